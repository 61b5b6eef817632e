package paygate

import (
	"strings"
	"testing"
	"time"
)

// TestTrackerTransitionMatrix writes the tracker statuses' from x to matrix,
// so any change to the table shows in review as a change to
// testdata/tracker_transitions.golden.
func TestTrackerTransitionMatrix(t *testing.T) {
	checkMatrix(t, "testdata/tracker_transitions.golden", TrackerStatuses(), CanTrackerTransition)
}

func TestTrackerTransition(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tr := &Tracker{TrackerID: "TK1", MerchantID: "M1", TrackingNo: "N1", Status: TrackerShipped}
	if err := tr.Transition(TrackerDelivered, now, "req_1"); err != nil {
		t.Fatal(err)
	}
	want := TrackerChange{At: now, Field: "status", From: "SHIPPED", To: "DELIVERED", RequestID: "req_1"}
	if tr.Status != TrackerDelivered || len(tr.History) != 1 || tr.History[0] != want || !tr.UpdatedAt.Equal(now) {
		t.Errorf("got status %s, history %+v, updated %v; want DELIVERED, [%+v], %v", tr.Status, tr.History, tr.UpdatedAt, want, now)
	}
	ev := tr.Event(TrackerShipped, "req_1")
	if wantEv := (Event{MerchantID: "M1", ObjectType: "tracker", ObjectID: "TK1", From: "SHIPPED", To: "DELIVERED", RequestID: "req_1", At: now}); ev != wantEv {
		t.Errorf("got event %+v, want %+v", ev, wantEv)
	}
	if got := EventType(ev); got != EventTrackingUpdated {
		t.Errorf("EventType: got %q, want %q", got, EventTrackingUpdated)
	}

	// Moving to the current status changes nothing.
	if err := tr.Transition(TrackerDelivered, now.Add(time.Hour), "req_2"); err != nil || len(tr.History) != 1 {
		t.Errorf("same status: got %v and %d history entries, want nil and 1", err, len(tr.History))
	}
	// DELIVERED cannot go back to SHIPPED; the message names the current status.
	err := tr.Transition(TrackerShipped, now, "req_3")
	if ErrorCode(err) != EInvalidState || !strings.Contains(ErrorMessage(err), "DELIVERED") {
		t.Errorf("got %v, want invalid_state naming DELIVERED", err)
	}
	if tr.Status != TrackerDelivered || len(tr.History) != 1 {
		t.Errorf("refused transition changed the tracker: status %s, %d history entries", tr.Status, len(tr.History))
	}
	// CANCELLED is final.
	if err := tr.Transition(TrackerCancelled, now, "req_4"); err != nil {
		t.Fatal(err)
	}
	for _, to := range TrackerStatuses() {
		if to != TrackerCancelled && CanTrackerTransition(TrackerCancelled, to) {
			t.Errorf("CANCELLED -> %s allowed, want final", to)
		}
	}
	for _, s := range TrackerStatuses() {
		if !s.Valid() {
			t.Errorf("%s: got Valid false, want true", s)
		}
	}
	if TrackerStatus("LOST").Valid() {
		t.Errorf("LOST: got Valid true, want false")
	}
}

func TestTrackingURL(t *testing.T) {
	for _, tc := range []struct{ carrier, no, want string }{
		{"UPS", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784"},
		{"FEDEX", "123456789012", "https://www.fedex.com/fedextrack/?trknbr=123456789012"},
		{"2EBOX", "N1", ""},     // known, no public page
		{"OTHER", "N1", ""},     // not in the list
		{"ACME_POST", "N1", ""}, // not in the list
	} {
		if got := TrackingURL(tc.carrier, tc.no); got != tc.want {
			t.Errorf("TrackingURL(%s, %s): got %q, want %q", tc.carrier, tc.no, got, tc.want)
		}
	}
	seen := map[string]bool{}
	for _, c := range Carriers {
		if seen[c.Code] || c.Code == CarrierOther {
			t.Errorf("carrier %s: listed twice or reserved", c.Code)
		}
		seen[c.Code] = true
		if c.URL != "" && (!strings.HasPrefix(c.URL, "https://") || !strings.Contains(c.URL, "{trackingNo}")) {
			t.Errorf("carrier %s URL %q: want https with {trackingNo}", c.Code, c.URL)
		}
	}
}

func TestCanonicalCarrier(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"FEDEX", "FEDEX"},
		{"Fedex", "FEDEX"},
		{"fedex", "FEDEX"},
		{"FedEx", "FEDEX"},
		{"Royal Mail", "ROYAL_MAIL"},
		{"sf_express", "SF_EXPRESS"},
		{"ACME_POST", "ACME_POST"}, // not listed: as sent
		{"acme", "acme"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := CanonicalCarrier(tc.in); got != tc.want {
				t.Errorf("CanonicalCarrier(%q): got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
