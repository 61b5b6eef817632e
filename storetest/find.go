package storetest

import (
	"fmt"
	"testing"
	"time"

	"paygate"
)

// testFindPayments: an operator's search finds a payment by tradeNo or by
// orderNo across merchants, newest first, and nothing else.
func testFindPayments(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	for i, p := range []*paygate.Payment{
		newPayment("m_1", "T1", "ORDER-1"),
		newPayment("m_2", "T2", "ORDER-1"), // another merchant's orderNo, the same text
		newPayment("m_2", "T3", "T1"),      // an orderNo that is another payment's tradeNo
		newPayment("m_1", "T4", "ORDER-10"),
	} {
		p.CreatedAt = at(time.Duration(i) * time.Second)
		mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}})
	}
	for _, tc := range []struct {
		ref   string
		limit int
		want  string
	}{
		{"ORDER-1", 10, "T2 T1 "},
		{"T1", 10, "T3 T1 "},
		{"T1", 1, "T3 "},
		{"T4", 10, "T4 "},
		{"ORDER", 10, ""},
		{"", 10, ""},
	} {
		ps, err := s.FindPayments(ctx, tc.ref, tc.limit)
		if err != nil {
			t.Fatalf("FindPayments(%q): %v", tc.ref, err)
		}
		got := ""
		for _, p := range ps {
			got += p.TradeNo + " "
		}
		if got != tc.want {
			t.Errorf("FindPayments(%q, %d) = %q, want %q", tc.ref, tc.limit, got, tc.want)
		}
	}
}

// testSubscriptionNotifications: a subscription's notifications, newest
// first, that merchant's only, at most limit.
func testSubscriptionNotifications(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	var ns []*paygate.Notification
	for i, tc := range []struct{ merchant, sub string }{
		{"m_1", "S1"}, {"m_1", "S2"}, {"m_1", "S1"}, {"m_2", "S1"}, {"m_1", ""}, {"m_1", "S1"},
	} {
		n := newNotification(tc.merchant, fmt.Sprintf("N%d", i), "O1", int64(i+1), at(time.Duration(i)*time.Second))
		n.SubscriptionID = tc.sub
		ns = append(ns, n)
	}
	mustApply(t, s, paygate.Change{Notifications: ns})
	for _, tc := range []struct {
		merchant, sub string
		limit         int
		want          string
	}{
		{"m_1", "S1", 10, "N5 N2 N0 "},
		{"m_1", "S1", 2, "N5 N2 "},
		{"m_1", "S2", 10, "N1 "},
		{"m_2", "S2", 10, ""},
		{"m_3", "S1", 10, ""},
	} {
		got, err := s.SubscriptionNotifications(ctx, tc.merchant, tc.sub, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		ids := ""
		for _, n := range got {
			ids += n.NotifyID + " "
		}
		if ids != tc.want {
			t.Errorf("SubscriptionNotifications(%s, %s, %d) = %q, want %q", tc.merchant, tc.sub, tc.limit, ids, tc.want)
		}
	}
}
