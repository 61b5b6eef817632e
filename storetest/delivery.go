package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testAttempts(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"ListedInOrder", testAttemptsListedInOrder},
		{"Isolation", testAttemptsIsolation},
		{"Duplicate", testAttemptsDuplicate},
	})
}

func testAttemptsListedInOrder(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	n := newNotification("m_a", "N1", "O1", 1, at(0))
	o := newNotification("m_a", "N2", "O1", 2, at(0))
	mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n, o}})
	a1 := newAttempt(n, 1, at(1*time.Minute+1*time.Millisecond))
	a2 := newAttempt(n, 2, at(2*time.Minute+2*time.Millisecond))
	a2.StatusCode, a2.Error, a2.LatencyMs = 0, "dial tcp 203.0.113.9:443: i/o timeout", 10_000
	a3 := newAttempt(n, 3, at(4*time.Minute+3*time.Millisecond))
	a3.StatusCode, a3.Error, a3.LatencyMs = 200, "", 87
	ao := newAttempt(o, 1, at(3*time.Minute))
	// Appended out of N order, partly in one Change.
	mustApply(t, s, paygate.Change{Attempts: []paygate.Attempt{a3, ao}})
	mustApply(t, s, paygate.Change{Attempts: []paygate.Attempt{a1}})
	mustApply(t, s, paygate.Change{Attempts: []paygate.Attempt{a2}})
	checkAttempts(t, mustAttempts(t, s, "m_a", "N1"), []paygate.Attempt{a1, a2, a3})
	checkAttempts(t, mustAttempts(t, s, "m_a", "N2"), []paygate.Attempt{ao})
	if as := mustAttempts(t, s, "m_a", "N_unknown"); len(as) != 0 {
		t.Errorf("Attempts of an unknown notification: got %+v, want none", as)
	}
}

func testAttemptsIsolation(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	n := newNotification("m_a", "N1", "O1", 1, at(0))
	a1 := newAttempt(n, 1, at(time.Minute))
	mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n}, Attempts: []paygate.Attempt{a1}})
	if as := mustAttempts(t, s, "m_b", "N1"); len(as) != 0 {
		t.Errorf("Attempts of another merchant's notification: got %+v, want none", as)
	}
	if as := mustAttempts(t, s, "", "N1"); len(as) != 0 {
		t.Errorf("Attempts with no merchant: got %+v, want none", as)
	}
	checkAttempts(t, mustAttempts(t, s, "m_a", "N1"), []paygate.Attempt{a1})
}

func testAttemptsDuplicate(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	n := newNotification("m_a", "N1", "O1", 1, at(0))
	a1 := newAttempt(n, 1, at(time.Minute))
	mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n}, Attempts: []paygate.Attempt{a1}})

	// The duplicate comes with the notification's update and a new attempt.
	v2 := *n
	v2.Version = 2
	v2.Attempts = 2
	v2.UpdatedAt = at(2 * time.Minute)
	a2 := newAttempt(n, 2, at(2*time.Minute))
	dup := newAttempt(n, 1, at(2*time.Minute))
	dup.Error = "duplicate"
	err := s.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&v2}, Attempts: []paygate.Attempt{a2, dup}})
	wantCode(t, err, paygate.EConflict)
	checkNotification(t, mustNotification(t, s, "m_a", "N1"), n)
	checkAttempts(t, mustAttempts(t, s, "m_a", "N1"), []paygate.Attempt{a1})

	// Within one Change too.
	err = s.Apply(ctx, paygate.Change{Attempts: []paygate.Attempt{a2, a2}})
	wantCode(t, err, paygate.EConflict)
	checkAttempts(t, mustAttempts(t, s, "m_a", "N1"), []paygate.Attempt{a1})
}

// dueNotifications returns a store holding notifications of three
// merchants in every delivery state, inserted neither in due nor in id order.
func dueNotifications(t *testing.T, open func(t *testing.T) paygate.Store) paygate.Store {
	t.Helper()
	s := open(t)
	due := func(merchantID, notifyID string, st paygate.NotificationStatus, next, lease time.Time) *paygate.Notification {
		n := newNotification(merchantID, notifyID, "O_"+notifyID, 1, at(0))
		n.Status = st
		n.NextAttemptAt = next
		n.LeaseUntil = lease
		return n
	}
	mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{
		due("m_a", "N_a3", paygate.NotificationPending, dueNow, dueNow),                                  // due and lease end at now exactly
		due("m_a", "N_a2", paygate.NotificationPending, at(3*time.Minute), at(10*time.Minute)),           // leased into the future
		due("m_a", "N_a4", paygate.NotificationPending, at(10*time.Minute), time.Time{}),                 // not yet due
		due("m_a", "N_a5", paygate.NotificationDelivered, at(0), time.Time{}),                            // delivered: never
		due("m_b", "N_b1", paygate.NotificationPending, at(2*time.Minute), at(4*time.Minute)),            // lease passed, other merchant
		due("m_c", "N_c1", paygate.NotificationFailed, at(30*time.Second), time.Time{}),                  // failed: never
		due("m_c", "N_c2", paygate.NotificationDelivered, at(0), at(time.Minute)),                        // delivered: never
		due("m_b", "N_b2", paygate.NotificationPending, at(4*time.Minute), dueNow.Add(time.Millisecond)), // lease ends just after now
	}})
	mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{
		due("m_a", "N_a1", paygate.NotificationPending, at(1*time.Minute), time.Time{}), // never leased
		due("m_c", "N_c3", paygate.NotificationPending, at(4*time.Minute+time.Second), at(0)),
	}})
	return s
}

func testDueNotifications(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := dueNotifications(t, open) // only read by the cases of the table
	now := dueNow
	for _, tc := range []struct {
		name  string
		now   time.Time
		limit int
		want  []string
	}{
		{"All", now, 100, []string{"N_a1", "N_b1", "N_c3", "N_a3"}},
		{"Limit", now, 2, []string{"N_a1", "N_b1"}},
		{"LimitOne", now, 1, []string{"N_a1"}},
		{"Earlier", at(2*time.Minute - time.Millisecond), 100, []string{"N_a1"}},
		{"LeaseEnds", now.Add(time.Millisecond), 100, []string{"N_a1", "N_b1", "N_b2", "N_c3", "N_a3"}},
		{"Later", at(time.Hour), 100, []string{"N_a1", "N_b1", "N_a2", "N_b2", "N_c3", "N_a3", "N_a4"}},
		{"NoneDue", at(0), 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.DueNotifications(t.Context(), tc.now, paygate.DueCursor{}, tc.limit)
			if err != nil {
				t.Fatalf("DueNotifications: %v", err)
			}
			if ids := notifyIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("DueNotifications: got %v, want %v", ids, tc.want)
			}
			for _, n := range got {
				checkNotification(t, n, mustNotification(t, s, n.MerchantID, n.NotifyID))
			}
		})
	}

	t.Run("Backlog", func(t *testing.T) {
		t.Parallel()
		// Leased or not: every pending notification due by then.
		for _, tc := range []struct {
			now  time.Time
			want int
		}{{at(0), 0}, {now, 6}, {at(time.Hour), 7}} {
			if n, err := s.NotificationBacklog(t.Context(), tc.now); err != nil || n != tc.want {
				t.Errorf("NotificationBacklog at %v: got %d, %v; want %d", tc.now, n, err, tc.want)
			}
		}
	})
	parallel(t, open, []subtest{
		{"Pages", testDueNotificationsPages},
		{"FollowsUpdates", testDueNotificationsFollowsUpdates},
	})
}

// testDueNotificationsPages: page by page after a cursor, the pages add up
// to the whole list.
func testDueNotificationsPages(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := dueNotifications(t, open)
	var ids []string
	var after paygate.DueCursor
	for range 10 {
		page, err := s.DueNotifications(t.Context(), at(time.Hour), after, 2)
		if err != nil {
			t.Fatalf("DueNotifications: %v", err)
		}
		if len(page) == 0 {
			break
		}
		ids = append(ids, notifyIDs(page)...)
		after = page[len(page)-1].After()
	}
	if want := []string{"N_a1", "N_b1", "N_a2", "N_b2", "N_c3", "N_a3", "N_a4"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("DueNotifications by pages of 2: got %v, want %v", ids, want)
	}
}

// testDueNotificationsFollowsUpdates: the status, due time and lease an
// update writes are the ones DueNotifications sees.
func testDueNotificationsFollowsUpdates(t *testing.T, open func(t *testing.T) paygate.Store) {
	now := dueNow
	s := dueNotifications(t, open)
	claim := mustNotification(t, s, "m_a", "N_a1") // leased by a dispatcher
	claim.Version++
	claim.LeaseUntil = now.Add(30 * time.Second)
	claim.UpdatedAt = now
	done := mustNotification(t, s, "m_b", "N_b1") // delivered
	done.Version++
	done.Status = paygate.NotificationDelivered
	done.Attempts = 1
	done.UpdatedAt = now
	retry := mustNotification(t, s, "m_a", "N_a4") // retried sooner
	retry.Version++
	retry.NextAttemptAt = at(90 * time.Second)
	retry.UpdatedAt = now
	released := mustNotification(t, s, "m_a", "N_a2") // lease given up
	released.Version++
	released.LeaseUntil = at(4 * time.Minute)
	released.UpdatedAt = now
	mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{claim, done, retry, released}})
	got, err := s.DueNotifications(t.Context(), now, paygate.DueCursor{}, 100)
	if err != nil {
		t.Fatalf("DueNotifications: %v", err)
	}
	if ids, want := notifyIDs(got), []string{"N_a4", "N_a2", "N_c3", "N_a3"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("DueNotifications: got %v, want %v", ids, want)
	}
}

func testNotificationConcurrency(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"Claim", testNotificationConcurrencyClaim},
	})
}

func testNotificationConcurrencyClaim(t *testing.T, open func(t *testing.T) paygate.Store) {
	// Dispatchers claiming the same notification from the same version:
	// one wins, the others lose without writing anything.
	s, ctx := open(t), t.Context()
	base := newNotification("m_a", "N1", "O1", 1, at(0))
	base.LeaseUntil = time.Time{}
	mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{base}})
	errs := race(racers, func(i int) error {
		c := *base
		c.Version = 2
		c.LeaseUntil = at(time.Minute + time.Duration(i)*time.Millisecond)
		c.UpdatedAt = at(time.Duration(i) * time.Millisecond)
		return s.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&c},
			Attempts: []paygate.Attempt{{NotifyID: "N1", MerchantID: "m_a", N: 1, At: at(0),
				Error: fmt.Sprintf("dispatcher %d", i)}}})
	})
	winner := checkOneWinner(t, errs)
	if winner < 0 {
		return
	}
	got := mustNotification(t, s, "m_a", "N1")
	if got.Version != 2 {
		t.Errorf("Version: got %d, want 2", got.Version)
	}
	if want := at(time.Minute + time.Duration(winner)*time.Millisecond); !got.LeaseUntil.Equal(want) {
		t.Errorf("LeaseUntil: got %v, want %v (the winner's)", got.LeaseUntil, want)
	}
	as := mustAttempts(t, s, "m_a", "N1")
	if want := fmt.Sprintf("dispatcher %d", winner); len(as) != 1 || as[0].Error != want {
		t.Errorf("Attempts: got %+v, want only the one of %s", as, want)
	}
	due, err := s.DueNotifications(ctx, at(30*time.Second), paygate.DueCursor{}, 100)
	if err != nil {
		t.Fatalf("DueNotifications: %v", err)
	}
	if len(due) != 0 {
		t.Errorf("DueNotifications while leased: got %v, want none", notifyIDs(due))
	}
}

// newAttempt returns a failed attempt of n with every field set.
func newAttempt(n *paygate.Notification, num int, when time.Time) paygate.Attempt {
	return paygate.Attempt{
		NotifyID:   n.NotifyID,
		MerchantID: n.MerchantID,
		N:          num,
		At:         when,
		StatusCode: 500 + num,
		Error:      fmt.Sprintf("attempt %d: HTTP %d", num, 500+num),
		LatencyMs:  int64(100*num + 7),
	}
}

func mustAttempts(t *testing.T, s paygate.Store, merchantID, notifyID string) []paygate.Attempt {
	t.Helper()
	as, err := s.Attempts(t.Context(), merchantID, notifyID)
	if err != nil {
		t.Fatalf("Attempts %s: %v", notifyID, err)
	}
	return as
}

func checkAttempts(t *testing.T, got, want []paygate.Attempt) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Attempts: got %d (%+v), want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		g.At, w.At = normTime(g.At), normTime(w.At)
		if g != w {
			t.Errorf("attempt %d: got %+v, want %+v", i, g, w)
		}
	}
}
