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

func testNotification(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testNotificationRoundTrip},
		{"RoundTripOrderTarget", testNotificationRoundTripOrderTarget},
		{"ListOldestFirst", testNotificationListOldestFirst},
		{"Isolation", testNotificationIsolation},
		{"DuplicateNotifyID", testNotificationDuplicateNotifyID},
		{"CompareAndSet", testNotificationCompareAndSet},
		{"CompareAndSetStale", testNotificationCompareAndSetStale},
		{"UpdateAbsent", testNotificationUpdateAbsent},
		{"WithPayment", testNotificationWithPayment},
		{"PaymentConflictAtomic", testNotificationPaymentConflictAtomic},
	})
}

func testNotificationRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testNotificationRoundTripOrderTarget(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testNotificationListOldestFirst(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testNotificationIsolation(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testNotificationDuplicateNotifyID(t *testing.T, open func(t *testing.T) paygate.Store) {
	for _, tc := range []struct {
		name       string
		merchantID string
	}{
		{"SameMerchant", "m_a"},
		{"OtherMerchant", "m_b"}, // a notifyId is the gateway's, unique overall
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
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
}

func testNotificationCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testNotificationCompareAndSetStale(t *testing.T, open func(t *testing.T) paygate.Store) {
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
			t.Parallel()
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
}

func testNotificationUpdateAbsent(t *testing.T, open func(t *testing.T) paygate.Store) {
	// An update of a notification that does not exist matches no row: conflict.
	s, ctx := open(t), t.Context()
	n := newNotification("m_a", "N1", "O1", 1, at(0))
	n.Version = 2
	wantCode(t, s.Apply(ctx, paygate.Change{Notifications: []*paygate.Notification{n}}), paygate.EConflict)
	checkNoNotifications(t, s, "m_a", []string{"N1"}, []string{"O1"})
}

func testNotificationWithPayment(t *testing.T, open func(t *testing.T) paygate.Store) {
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
}

func testNotificationPaymentConflictAtomic(t *testing.T, open func(t *testing.T) paygate.Store) {
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
			t.Parallel()
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

func notifyIDs(ns []*paygate.Notification) []string {
	var ids []string
	for _, n := range ns {
		ids = append(ids, n.NotifyID)
	}
	return ids
}
