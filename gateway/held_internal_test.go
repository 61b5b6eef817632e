package gateway

import (
	"testing"
	"time"

	"paygate"
)

// TestHeld: a card payment waits for its connector when it was sent and no
// final answer is recorded since, including when its node stopped during
// the call (a direct payment with no attempt yet, an attempt at another
// connector than the one recorded, or a cashier page's claim run out); a
// call still out is not held (its request records the outcome).
func TestHeld(t *testing.T) {
	now := time.Now()
	past, future := now.Add(-time.Second), now.Add(time.Minute)
	a := func(connector, outcome string) paygate.ConnectorAttempt {
		return paygate.ConnectorAttempt{Connector: connector, Outcome: outcome}
	}
	for _, c := range []struct {
		name string
		p    paygate.Payment
		want bool
	}{
		{"NotSent", paygate.Payment{Status: paygate.StatusPending}, false},
		{"SentNoAnswer", paygate.Payment{Status: paygate.StatusPending, Connector: "a"}, true},
		{"CashierNotSent", paygate.Payment{Status: paygate.StatusPending, Connector: "a", SessionID: "cs_1"}, false},
		{"AtOurACS", paygate.Payment{Status: paygate.StatusRequiresAction, Connector: "a"}, false},
		{"Unknown", paygate.Payment{Status: paygate.StatusPending, Connector: "a", Attempts: []paygate.ConnectorAttempt{a("a", "unknown")}}, true},
		{"Pending", paygate.Payment{Status: paygate.StatusPending, Connector: "a", Attempts: []paygate.ConnectorAttempt{a("a", "pending")}}, true},
		{"AtItsPage", paygate.Payment{Status: paygate.StatusRequiresAction, Connector: "a", Attempts: []paygate.ConnectorAttempt{a("a", "action_required")}}, true},
		{"Declined", paygate.Payment{Status: paygate.StatusPending, Connector: "a", Attempts: []paygate.ConnectorAttempt{a("a", "declined")}}, false},
		{"FailingOver", paygate.Payment{Status: paygate.StatusPending, Connector: "b", Attempts: []paygate.ConnectorAttempt{a("a", "no_effect")}}, true},
		{"SecondCardStopped", paygate.Payment{Status: paygate.StatusPending, Connector: "a", ClaimedUntil: &past,
			Attempts: []paygate.ConnectorAttempt{a("a", "declined")}}, true},
		{"SecondCardOut", paygate.Payment{Status: paygate.StatusPending, Connector: "a", ClaimedUntil: &future,
			Attempts: []paygate.ConnectorAttempt{a("a", "declined")}}, false},
		{"UnknownCallOut", paygate.Payment{Status: paygate.StatusPending, Connector: "a", ClaimedUntil: &future,
			Attempts: []paygate.ConnectorAttempt{a("a", "unknown")}}, false},
		{"Settled", paygate.Payment{Status: paygate.StatusSucceeded, Connector: "a", Attempts: []paygate.ConnectorAttempt{a("a", "unknown")}}, false},
		{"Wallet", paygate.Payment{Status: paygate.StatusPending, Connector: "a", Wallet: &paygate.Wallet{}}, false},
	} {
		if got := held(&c.p, now); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
