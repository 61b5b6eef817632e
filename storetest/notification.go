package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testSubscription(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newSubscription("m_a", "sub_1", at(time.Minute+123*time.Millisecond))
		if err := s.CreateSubscription(ctx, want); err != nil {
			t.Fatalf("CreateSubscription: %v", err)
		}
		checkSubscription(t, mustSubscription(t, s, "m_a", "sub_1"), want)
		got := mustSubscriptions(t, s, "m_a")
		if len(got) != 1 {
			t.Fatalf("Subscriptions: got %v, want [sub_1]", subscriptionIDs(got))
		}
		checkSubscription(t, got[0], want)
	})

	t.Run("NotFound", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		if err := s.CreateSubscription(ctx, newSubscription("m_a", "sub_1", at(0))); err != nil {
			t.Fatalf("CreateSubscription: %v", err)
		}
		_, err := s.Subscription(ctx, "m_a", "sub_unknown")
		wantCode(t, err, paygate.ENotFound)
		wantCode(t, s.DeleteSubscription(ctx, "m_a", "sub_unknown"), paygate.ENotFound)
		if subs := mustSubscriptions(t, s, "m_unknown"); len(subs) != 0 {
			t.Errorf("Subscriptions of an unknown merchant: got %v, want none", subscriptionIDs(subs))
		}
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		s1 := newSubscription("m_a", "sub_c", at(1*time.Minute))
		s2 := newSubscription("m_a", "sub_a", at(2*time.Minute))
		s3 := newSubscription("m_a", "sub_b", at(3*time.Minute))
		sb := newSubscription("m_b", "sub_d", at(90*time.Second))
		// Created neither in time nor in id order.
		for _, sub := range []*paygate.Subscription{s3, sb, s1, s2} {
			if err := s.CreateSubscription(ctx, sub); err != nil {
				t.Fatalf("CreateSubscription %s: %v", sub.ID, err)
			}
		}
		got := mustSubscriptions(t, s, "m_a")
		want := []*paygate.Subscription{s1, s2, s3}
		if len(got) != len(want) {
			t.Fatalf("Subscriptions: got %v, want [sub_c sub_a sub_b]", subscriptionIDs(got))
		}
		for i := range want {
			checkSubscription(t, got[i], want[i])
		}
		if got := mustSubscriptions(t, s, "m_b"); len(got) != 1 || got[0].ID != "sub_d" {
			t.Errorf("Subscriptions of m_b: got %v, want [sub_d]", subscriptionIDs(got))
		}
	})

	t.Run("ListSeesChanges", func(t *testing.T) {
		// A store may keep lists between calls; each one must still show
		// every create and delete before it, and not what a caller did to
		// an earlier answer.
		s, ctx := open(t), t.Context()
		if subs := mustSubscriptions(t, s, "m_a"); len(subs) != 0 {
			t.Fatalf("Subscriptions before any: got %v, want none", subscriptionIDs(subs))
		}
		s1 := newSubscription("m_a", "sub_1", at(1*time.Minute))
		if err := s.CreateSubscription(ctx, s1); err != nil {
			t.Fatalf("CreateSubscription: %v", err)
		}
		got := mustSubscriptions(t, s, "m_a")
		if len(got) != 1 {
			t.Fatalf("Subscriptions after a create: got %v, want [sub_1]", subscriptionIDs(got))
		}
		got[0].URL = "https://changed.example/"
		if got := mustSubscriptions(t, s, "m_a"); len(got) != 1 || got[0].URL != s1.URL {
			t.Fatalf("Subscriptions after a caller changed an answer: got %+v, want sub_1 unchanged", got)
		}
		if err := s.CreateSubscription(ctx, newSubscription("m_a", "sub_2", at(2*time.Minute))); err != nil {
			t.Fatalf("CreateSubscription: %v", err)
		}
		if got := mustSubscriptions(t, s, "m_a"); len(got) != 2 {
			t.Fatalf("Subscriptions after a second create: got %v, want [sub_1 sub_2]", subscriptionIDs(got))
		}
		if err := s.DeleteSubscription(ctx, "m_a", "sub_1"); err != nil {
			t.Fatalf("DeleteSubscription: %v", err)
		}
		if got := mustSubscriptions(t, s, "m_a"); len(got) != 1 || got[0].ID != "sub_2" {
			t.Fatalf("Subscriptions after a delete: got %v, want [sub_2]", subscriptionIDs(got))
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		s1 := newSubscription("m_a", "sub_1", at(1*time.Minute))
		s2 := newSubscription("m_a", "sub_2", at(2*time.Minute))
		for _, sub := range []*paygate.Subscription{s1, s2} {
			if err := s.CreateSubscription(ctx, sub); err != nil {
				t.Fatalf("CreateSubscription %s: %v", sub.ID, err)
			}
		}
		if err := s.DeleteSubscription(ctx, "m_a", "sub_1"); err != nil {
			t.Fatalf("DeleteSubscription: %v", err)
		}
		_, err := s.Subscription(ctx, "m_a", "sub_1")
		wantCode(t, err, paygate.ENotFound)
		got := mustSubscriptions(t, s, "m_a")
		if len(got) != 1 {
			t.Fatalf("Subscriptions after delete: got %v, want [sub_2]", subscriptionIDs(got))
		}
		checkSubscription(t, got[0], s2)
		// Deleting again finds nothing.
		wantCode(t, s.DeleteSubscription(ctx, "m_a", "sub_1"), paygate.ENotFound)
		checkSubscription(t, mustSubscription(t, s, "m_a", "sub_2"), s2)
	})

	t.Run("Isolation", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newSubscription("m_a", "sub_1", at(0))
		if err := s.CreateSubscription(ctx, want); err != nil {
			t.Fatalf("CreateSubscription: %v", err)
		}
		_, err := s.Subscription(ctx, "m_b", "sub_1")
		wantCode(t, err, paygate.ENotFound)
		if subs := mustSubscriptions(t, s, "m_b"); len(subs) != 0 {
			t.Errorf("Subscriptions of m_b: got %v, want none", subscriptionIDs(subs))
		}
		wantCode(t, s.DeleteSubscription(ctx, "m_b", "sub_1"), paygate.ENotFound)
		_, err = s.Subscription(ctx, "", "sub_1")
		wantCode(t, err, paygate.ENotFound)
		// Still there for its merchant.
		checkSubscription(t, mustSubscription(t, s, "m_a", "sub_1"), want)
	})

	t.Run("Duplicate", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			merchantID string
		}{
			{"SameMerchant", "m_a"},
			{"OtherMerchant", "m_b"}, // a subscription id is the gateway's, unique overall
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				first := newSubscription("m_a", "sub_1", at(0))
				if err := s.CreateSubscription(ctx, first); err != nil {
					t.Fatalf("CreateSubscription: %v", err)
				}
				dup := newSubscription(tc.merchantID, "sub_1", at(time.Minute))
				dup.URL = "https://evil.example/hook"
				dup.SecretSealed = []byte("other")
				wantCode(t, s.CreateSubscription(ctx, dup), paygate.EConflict)
				checkSubscription(t, mustSubscription(t, s, "m_a", "sub_1"), first)
				if subs := mustSubscriptions(t, s, "m_a"); len(subs) != 1 {
					t.Errorf("Subscriptions of m_a: got %v, want [sub_1]", subscriptionIDs(subs))
				}
				if tc.merchantID != "m_a" {
					if subs := mustSubscriptions(t, s, tc.merchantID); len(subs) != 0 {
						t.Errorf("Subscriptions of %s: got %v, want none", tc.merchantID, subscriptionIDs(subs))
					}
				}
			})
		}
	})
}

func testNotification(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		want := newNotification("m_a", "N1", "O1", 1, at(time.Minute+7*time.Millisecond))
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{want}})
		checkNotification(t, mustNotification(t, s, "m_a", "N1"), want)
		got := mustNotifications(t, s, "m_a", "O1")
		if len(got) != 1 {
			t.Fatalf("Notifications: got %v, want [N1]", notifyIDs(got))
		}
		checkNotification(t, got[0], want)
		_, err := s.Notification(ctx, "m_a", "N_unknown")
		wantCode(t, err, paygate.ENotFound)
		// A notifyId is not an orderNo and the other way round.
		_, err = s.Notification(ctx, "m_a", "O1")
		wantCode(t, err, paygate.ENotFound)
		if ns := mustNotifications(t, s, "m_a", "N1"); len(ns) != 0 {
			t.Errorf("Notifications of orderNo N1: got %v, want none", notifyIDs(ns))
		}
		if ns := mustNotifications(t, s, "m_a", "O_unknown"); len(ns) != 0 {
			t.Errorf("Notifications of an unknown order: got %v, want none", notifyIDs(ns))
		}
	})

	t.Run("RoundTripOrderTarget", func(t *testing.T) {
		// The order's own notificationUrl: no subscription, never leased yet.
		s := open(t)
		want := newNotification("m_a", "N1", "O1", 1, at(0))
		want.SubscriptionID = ""
		want.LeaseUntil = time.Time{}
		want.EventType = paygate.EventRefundSucceeded
		want.ObjectID = "R1"
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{want}})
		got := mustNotification(t, s, "m_a", "N1")
		checkNotification(t, got, want)
		if !got.LeaseUntil.IsZero() {
			t.Errorf("LeaseUntil: got %v, want the zero time", got.LeaseUntil)
		}
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		s := open(t)
		n1 := newNotification("m_a", "N_c", "O1", 1, at(1*time.Minute))
		n2 := newNotification("m_a", "N_a", "O1", 2, at(2*time.Minute))
		n3 := newNotification("m_a", "N_b", "O1", 3, at(3*time.Minute))
		other := newNotification("m_a", "N_d", "O2", 1, at(90*time.Second))
		nb := newNotification("m_b", "N_e", "O1", 1, at(150*time.Second))
		// Inserted out of order, partly in one Change.
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n3, other, nb}})
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n1}})
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n2}})
		got := mustNotifications(t, s, "m_a", "O1")
		want := []*paygate.Notification{n1, n2, n3}
		if len(got) != len(want) {
			t.Fatalf("Notifications: got %v, want [N_c N_a N_b]", notifyIDs(got))
		}
		for i := range want {
			checkNotification(t, got[i], want[i])
		}
		if got := mustNotifications(t, s, "m_a", "O2"); len(got) != 1 || got[0].NotifyID != "N_d" {
			t.Errorf("Notifications of O2: got %v, want [N_d]", notifyIDs(got))
		}
		// Another merchant's order with the same orderNo is another order.
		if got := mustNotifications(t, s, "m_b", "O1"); len(got) != 1 || got[0].NotifyID != "N_e" {
			t.Errorf("Notifications of m_b O1: got %v, want [N_e]", notifyIDs(got))
		}
	})

	t.Run("Isolation", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		n := newNotification("m_a", "N1", "O1", 1, at(0))
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n}})
		_, err := s.Notification(ctx, "m_b", "N1")
		wantCode(t, err, paygate.ENotFound)
		_, err = s.Notification(ctx, "", "N1")
		wantCode(t, err, paygate.ENotFound)
		if ns := mustNotifications(t, s, "m_b", "O1"); len(ns) != 0 {
			t.Errorf("Notifications of another merchant's order: got %v, want none", notifyIDs(ns))
		}

		// Merchant B cannot update merchant A's notification by naming its id.
		nb := *n
		nb.MerchantID = "m_b"
		nb.Version = 2
		nb.Status = paygate.NotificationDelivered
		wantCode(t, s.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{&nb}}), paygate.EConflict)
		checkNotification(t, mustNotification(t, s, "m_a", "N1"), n)
	})

	t.Run("DuplicateNotifyID", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			merchantID string
		}{
			{"SameMerchant", "m_a"},
			{"OtherMerchant", "m_b"}, // a notifyId is the gateway's, unique overall
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				first := newNotification("m_a", "N1", "O1", 1, at(0))
				mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{first}})

				// The duplicate comes after the other parts of its Change.
				p := newPayment(tc.merchantID, "T2", "O2")
				fresh := newNotification(tc.merchantID, "N2", "O2", 1, at(time.Minute))
				dup := newNotification(tc.merchantID, "N1", "O2", 2, at(time.Minute))
				dup.URL = "https://evil.example/hook"
				err := s.Apply(ctx, paygate.Change{
					Payments:      []*paygate.Payment{p},
					Events:        []paygate.Event{p.Created("req_2")},
					Notifications: []*paygate.Notification{fresh, dup},
					Attempts:      []paygate.Attempt{newAttempt(fresh, 1, at(time.Minute))},
				})
				wantCode(t, err, paygate.EConflict)
				checkNotification(t, mustNotification(t, s, "m_a", "N1"), first)
				checkNothingWritten(t, s, tc.merchantID, []string{"T2"}, nil, nil, nil)
				checkNoNotifications(t, s, tc.merchantID, []string{"N2"}, []string{"O2"})
				if tc.merchantID != "m_a" {
					checkNoNotifications(t, s, tc.merchantID, []string{"N1"}, []string{"O1"})
				}
			})
		}
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		s := open(t)
		n := newNotification("m_a", "N1", "O1", 1, at(0))
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n}})

		// Version 2: claimed by a dispatcher.
		v2 := *n
		v2.Version = 2
		v2.LeaseUntil = at(10*time.Minute + 5*time.Millisecond)
		v2.UpdatedAt = at(5 * time.Minute)
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{&v2}})
		checkNotification(t, mustNotification(t, s, "m_a", "N1"), &v2)

		// Version 3: the attempt failed; retry later, lease released.
		v3 := v2
		v3.Version = 3
		v3.Attempts = 1
		v3.MaxAttempts = 12
		v3.NextAttemptAt = at(15*time.Minute + 9*time.Millisecond)
		v3.LeaseUntil = time.Time{}
		v3.UpdatedAt = at(6 * time.Minute)
		a1 := newAttempt(&v3, 1, at(6*time.Minute))
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{&v3}, Attempts: []paygate.Attempt{a1}})
		checkNotification(t, mustNotification(t, s, "m_a", "N1"), &v3)
		checkAttempts(t, mustAttempts(t, s, "m_a", "N1"), []paygate.Attempt{a1})

		// Version 4: delivered.
		v4 := v3
		v4.Version = 4
		v4.Status = paygate.NotificationDelivered
		v4.Attempts = 2
		v4.UpdatedAt = at(16 * time.Minute)
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{&v4}})
		checkNotification(t, mustNotification(t, s, "m_a", "N1"), &v4)
		got := mustNotifications(t, s, "m_a", "O1")
		if len(got) != 1 {
			t.Fatalf("Notifications: got %v, want [N1]", notifyIDs(got))
		}
		checkNotification(t, got[0], &v4)

		// Version 5: failed for good.
		v5 := v4
		v5.Version = 5
		v5.Status = paygate.NotificationFailed
		v5.UpdatedAt = at(17 * time.Minute)
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{&v5}})
		checkNotification(t, mustNotification(t, s, "m_a", "N1"), &v5)
		if v := mustNotification(t, s, "m_a", "N1").Version; v != 5 {
			t.Errorf("Version: got %d, want 5", v)
		}
	})

	t.Run("CompareAndSetStale", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			version int64
		}{
			{"SameVersionAgain", 2}, // stored is 2 after the setup below
			{"Older", 1},            // an insert: the notifyId is taken
			{"Skipped", 4},
			{"Zero", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				n := newNotification("m_a", "N1", "O1", 1, at(0))
				mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{n}})
				v2 := *n
				v2.Version = 2
				v2.LeaseUntil = at(10 * time.Minute)
				v2.UpdatedAt = at(5 * time.Minute)
				mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{&v2}})

				stale := v2
				stale.Version = tc.version
				stale.Status = paygate.NotificationDelivered
				stale.Attempts = 3
				stale.MaxAttempts = 1
				stale.NextAttemptAt = at(time.Hour)
				stale.LeaseUntil = time.Time{}
				stale.UpdatedAt = at(7 * time.Minute)
				p := newPayment("m_a", "T2", "O2")
				fresh := newNotification("m_a", "N2", "O2", 1, at(time.Minute))
				err := s.Apply(ctx, paygate.Change{
					Payments:      []*paygate.Payment{p},
					Events:        []paygate.Event{p.Created("req_x")},
					Notifications: []*paygate.Notification{fresh, &stale},
					Attempts:      []paygate.Attempt{newAttempt(n, 1, at(7*time.Minute)), newAttempt(fresh, 1, at(7*time.Minute))},
				})
				wantCode(t, err, paygate.EConflict)
				checkNotification(t, mustNotification(t, s, "m_a", "N1"), &v2)
				checkNothingWritten(t, s, "m_a", []string{"T2"}, nil, nil, nil)
				checkNoNotifications(t, s, "m_a", []string{"N2"}, []string{"O2"})
				if as := mustAttempts(t, s, "m_a", "N1"); len(as) != 0 {
					t.Errorf("Attempts of N1: got %+v, want none", as)
				}
			})
		}
	})

	t.Run("UpdateAbsent", func(t *testing.T) {
		// An update of a notification that does not exist matches no row: conflict.
		s, ctx := open(t), t.Context()
		n := newNotification("m_a", "N1", "O1", 1, at(0))
		n.Version = 2
		wantCode(t, s.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{n}}), paygate.EConflict)
		checkNoNotifications(t, s, "m_a", []string{"N1"}, []string{"O1"})
	})

	t.Run("WithPayment", func(t *testing.T) {
		// The notifications a state change owes commit with it.
		s := open(t)
		p := newPayment("m_a", "T1", "O1")
		n1 := newNotification("m_a", "N1", "O1", 1, at(0))
		n2 := newNotification("m_a", "N2", "O1", 1, at(0))
		n2.SubscriptionID, n2.URL = "", "https://shop.example/notify"
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Events: []paygate.Event{p.Created("req_1")},
			Notifications: []*paygate.Notification{n1, n2}})
		checkPayment(t, mustPayment(t, s, "m_a", "T1"), p)
		got := mustNotifications(t, s, "m_a", "O1")
		if ids := notifyIDs(got); !reflect.DeepEqual(ids, []string{"N1", "N2"}) {
			t.Fatalf("Notifications: got %v, want [N1 N2]", ids)
		}
		checkNotification(t, got[0], n1)
		checkNotification(t, got[1], n2)
	})

	t.Run("PaymentConflictAtomic", func(t *testing.T) {
		// A payment that cannot be written takes its notifications with it.
		for _, tc := range []struct {
			name string
			bad  func(first *paygate.Payment) *paygate.Payment
		}{
			{"DuplicateOrderNo", func(first *paygate.Payment) *paygate.Payment { return newPayment("m_a", "T2", "O1") }},
			{"StaleVersion", func(first *paygate.Payment) *paygate.Payment {
				q := *first
				q.Version = 3
				q.Status = paygate.StatusSucceeded
				return &q
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				first := newPayment("m_a", "T1", "O1")
				mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{first}})
				bad := tc.bad(first)
				n1 := newNotification("m_a", "N1", "O1", 1, at(time.Minute))
				n2 := newNotification("m_a", "N2", "O1", 1, at(time.Minute))
				err := s.Apply(ctx, paygate.Change{
					Payments:      []*paygate.Payment{bad},
					Events:        []paygate.Event{bad.Created("req_2")},
					Notifications: []*paygate.Notification{n1, n2},
					Attempts:      []paygate.Attempt{newAttempt(n1, 1, at(time.Minute))},
				})
				wantCode(t, err, paygate.EConflict)
				checkPayment(t, mustPayment(t, s, "m_a", "T1"), first)
				checkNoNotifications(t, s, "m_a", []string{"N1", "N2"}, []string{"O1"})
				if as := mustAttempts(t, s, "m_a", "N1"); len(as) != 0 {
					t.Errorf("Attempts of N1: got %+v, want none", as)
				}
				if bad.TradeNo != first.TradeNo {
					checkNothingWritten(t, s, "m_a", []string{bad.TradeNo}, nil, nil, nil)
				}
			})
		}
	})
}

func testAttempts(t *testing.T, open func(t *testing.T) paygate.Store) {
	t.Run("ListedInOrder", func(t *testing.T) {
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
	})

	t.Run("Isolation", func(t *testing.T) {
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
	})

	t.Run("Duplicate", func(t *testing.T) {
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
	})
}

func testDueNotifications(t *testing.T, open func(t *testing.T) paygate.Store) {
	now := at(5 * time.Minute)
	setup := func(t *testing.T) paygate.Store {
		t.Helper()
		s := open(t)
		due := func(merchantID, notifyID string, st paygate.NotificationStatus, next, lease time.Time) *paygate.Notification {
			n := newNotification(merchantID, notifyID, "O_"+notifyID, 1, at(0))
			n.Status = st
			n.NextAttemptAt = next
			n.LeaseUntil = lease
			return n
		}
		// Inserted neither in due nor in id order.
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{
			due("m_a", "N_a3", paygate.NotificationPending, now, now),                                     // due and lease end at now exactly
			due("m_a", "N_a2", paygate.NotificationPending, at(3*time.Minute), at(10*time.Minute)),        // leased into the future
			due("m_a", "N_a4", paygate.NotificationPending, at(10*time.Minute), time.Time{}),              // not yet due
			due("m_a", "N_a5", paygate.NotificationDelivered, at(0), time.Time{}),                         // delivered: never
			due("m_b", "N_b1", paygate.NotificationPending, at(2*time.Minute), at(4*time.Minute)),         // lease passed, other merchant
			due("m_c", "N_c1", paygate.NotificationFailed, at(30*time.Second), time.Time{}),               // failed: never
			due("m_c", "N_c2", paygate.NotificationDelivered, at(0), at(time.Minute)),                     // delivered: never
			due("m_b", "N_b2", paygate.NotificationPending, at(4*time.Minute), now.Add(time.Millisecond)), // lease ends just after now
		}})
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{
			due("m_a", "N_a1", paygate.NotificationPending, at(1*time.Minute), time.Time{}), // never leased
			due("m_c", "N_c3", paygate.NotificationPending, at(4*time.Minute+time.Second), at(0)),
		}})
		return s
	}

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
			s := setup(t)
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

	t.Run("Pages", func(t *testing.T) {
		// Page by page after a cursor, the pages add up to the whole list.
		s := setup(t)
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
	})

	t.Run("FollowsUpdates", func(t *testing.T) {
		// The status, due time and lease an update writes are the ones
		// DueNotifications sees.
		s := setup(t)
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
	})
}

func testNotificationConcurrency(t *testing.T, open func(t *testing.T) paygate.Store) {
	const n = 20

	t.Run("Claim", func(t *testing.T) {
		// Dispatchers claiming the same notification from the same version:
		// one wins, the others lose without writing anything.
		s, ctx := open(t), t.Context()
		base := newNotification("m_a", "N1", "O1", 1, at(0))
		base.LeaseUntil = time.Time{}
		mustApply(t, s, paygate.Change{Notifications: []*paygate.Notification{base}})
		errs := race(n, func(i int) error {
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
	})
}

// newSubscription returns a subscription with every field set.
func newSubscription(merchantID, id string, created time.Time) *paygate.Subscription {
	return &paygate.Subscription{
		ID:           id,
		MerchantID:   merchantID,
		URL:          "https://shop.example/hooks/" + id + "?v=1&x=ü",
		APIVersion:   paygate.APIVersion,
		SignMethod:   "HMAC-SHA256",
		SecretSealed: []byte{0x00, 0xff, 0x10, 0x80, 's', 'e', 'a', 'l', 0x00, byte(len(id))},
		KeyID:        "key_2026_01",
		CreatedAt:    created,
	}
}

// newNotification returns a PENDING notification (Version 1) with every field
// set; its body is deliberately not in canonical JSON form (key order, spaces),
// since it is what gets signed and sent and must come back byte for byte.
func newNotification(merchantID, notifyID, orderNo string, seq int64, created time.Time) *paygate.Notification {
	return &paygate.Notification{
		NotifyID:       notifyID,
		MerchantID:     merchantID,
		EventType:      paygate.EventPaymentSucceeded,
		OrderNo:        orderNo,
		ObjectID:       "T_" + orderNo,
		Sequence:       seq,
		URL:            "https://shop.example/hooks/" + notifyID,
		SubscriptionID: "sub_" + merchantID,
		Body: json.RawMessage(fmt.Sprintf(`{"notifyId":"%s", "type":"payment.succeeded","apiVersion":"%s",`+
			`"data":{"orderNo":"%s","amount":"100.99","description":"café ☕"}, "sequence":%d}`,
			notifyID, paygate.APIVersion, orderNo, seq)),
		Status:        paygate.NotificationPending,
		Attempts:      0,
		MaxAttempts:   8,
		NextAttemptAt: created.Add(3 * time.Millisecond),
		LeaseUntil:    created.Add(-time.Second),
		Version:       1,
		CreatedAt:     created,
		UpdatedAt:     created.Add(time.Millisecond),
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

func mustSubscription(t *testing.T, s paygate.Store, merchantID, id string) *paygate.Subscription {
	t.Helper()
	sub, err := s.Subscription(t.Context(), merchantID, id)
	if err != nil {
		t.Fatalf("Subscription %s: %v", id, err)
	}
	return sub
}

func mustSubscriptions(t *testing.T, s paygate.Store, merchantID string) []*paygate.Subscription {
	t.Helper()
	subs, err := s.Subscriptions(t.Context(), merchantID)
	if err != nil {
		t.Fatalf("Subscriptions %s: %v", merchantID, err)
	}
	return subs
}

func mustNotification(t *testing.T, s paygate.Store, merchantID, notifyID string) *paygate.Notification {
	t.Helper()
	n, err := s.Notification(t.Context(), merchantID, notifyID)
	if err != nil {
		t.Fatalf("Notification %s: %v", notifyID, err)
	}
	return n
}

func mustNotifications(t *testing.T, s paygate.Store, merchantID, orderNo string) []*paygate.Notification {
	t.Helper()
	ns, err := s.Notifications(t.Context(), merchantID, orderNo)
	if err != nil {
		t.Fatalf("Notifications %s: %v", orderNo, err)
	}
	return ns
}

func mustAttempts(t *testing.T, s paygate.Store, merchantID, notifyID string) []paygate.Attempt {
	t.Helper()
	as, err := s.Attempts(t.Context(), merchantID, notifyID)
	if err != nil {
		t.Fatalf("Attempts %s: %v", notifyID, err)
	}
	return as
}

// checkNoNotifications checks that none of the notifications of merchantID
// exist, that none of the orders has notifications, and that none of the
// notifications has attempts.
func checkNoNotifications(t *testing.T, s paygate.Store, merchantID string, ids, orderNos []string) {
	t.Helper()
	for _, id := range ids {
		if _, err := s.Notification(t.Context(), merchantID, id); paygate.ErrorCode(err) != paygate.ENotFound {
			t.Errorf("Notification %s: got %v, want code %q", id, err, paygate.ENotFound)
		}
		if as := mustAttempts(t, s, merchantID, id); len(as) != 0 {
			t.Errorf("Attempts of %s: got %+v, want none", id, as)
		}
	}
	for _, no := range orderNos {
		if ns := mustNotifications(t, s, merchantID, no); len(ns) != 0 {
			t.Errorf("Notifications of %s: got %v, want none", no, notifyIDs(ns))
		}
	}
}

func checkSubscription(t *testing.T, got, want *paygate.Subscription) {
	t.Helper()
	g, w := *got, *want
	if !bytes.Equal(g.SecretSealed, w.SecretSealed) {
		t.Errorf("Subscription %s SecretSealed: got %x, want %x", w.ID, g.SecretSealed, w.SecretSealed)
	}
	g.SecretSealed, w.SecretSealed = nil, nil
	g.CreatedAt, w.CreatedAt = normTime(g.CreatedAt), normTime(w.CreatedAt)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Subscription %s:\ngot  %+v\nwant %+v", w.ID, g, w)
	}
}

func checkNotification(t *testing.T, got, want *paygate.Notification) {
	t.Helper()
	g, w := *got, *want
	if !bytes.Equal(g.Body, w.Body) {
		t.Errorf("Notification %s Body: got %q, want %q", w.NotifyID, g.Body, w.Body)
	}
	g.Body, w.Body = nil, nil
	for _, tm := range []*time.Time{&g.NextAttemptAt, &g.LeaseUntil, &g.CreatedAt, &g.UpdatedAt,
		&w.NextAttemptAt, &w.LeaseUntil, &w.CreatedAt, &w.UpdatedAt} {
		*tm = normTime(*tm)
	}
	if reflect.DeepEqual(g, w) {
		return
	}
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		gf, wf := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(gf, wf) {
			t.Errorf("Notification %s %s: got %v, want %v", w.NotifyID, gv.Type().Field(i).Name, gf, wf)
		}
	}
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

func subscriptionIDs(subs []*paygate.Subscription) []string {
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.ID)
	}
	return ids
}

func notifyIDs(ns []*paygate.Notification) []string {
	var ids []string
	for _, n := range ns {
		ids = append(ids, n.NotifyID)
	}
	return ids
}
