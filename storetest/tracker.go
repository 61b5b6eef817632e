package storetest

import (
	"reflect"
	"testing"
	"time"

	"paygate"
)

func testTracker(t *testing.T, open func(t *testing.T) paygate.Store) {
	parallel(t, open, []subtest{
		{"RoundTrip", testTrackerRoundTrip},
		{"RoundTripMinimal", testTrackerRoundTripMinimal},
		{"TrackingNoIgnoresCase", testTrackerTrackingNoIgnoresCase},
		{"NotFound", testTrackerNotFound},
		{"TrackingNoUniquePerOrder", testTrackerTrackingNoUniquePerOrder},
		{"DuplicateTrackerID", testTrackerDuplicateTrackerID},
		{"ListOldestFirst", testTrackerListOldestFirst},
		{"CompareAndSet", testTrackerCompareAndSet},
		{"CompareAndSetStale", testTrackerCompareAndSetStale},
		{"UpdateOtherMerchant", testTrackerUpdateOtherMerchant},
		{"UpdateAbsent", testTrackerUpdateAbsent},
	})
}

func testTrackerRoundTrip(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	want := newTracker(p, "TK1", "1Z999AA10123456784", at(time.Minute))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{want},
		Events: []paygate.Event{want.Event("", "req_1")}})
	checkTracker(t, mustTracker(t, s, "m_a", "O1", "1Z999AA10123456784"), want)
	checkTrackers(t, mustTrackers(t, s, "m_a", "O1"), []*paygate.Tracker{want})
	checkEvents(t, mustEvents(t, s, "m_a", "TK1"), []paygate.Event{want.Event("", "req_1")})
}

func testTrackerRoundTripMinimal(t *testing.T, open func(t *testing.T) paygate.Store) {
	// Absent optional parts stay absent: no metadata, no history.
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	want := &paygate.Tracker{TrackerID: "TK1", MerchantID: "m_a", OrderNo: "O1", TradeNo: "T1", TrackingNo: "N1",
		Carrier: "UPS", ShipmentDate: "2026-01-01", ShipmentDirection: paygate.DirectionForward,
		Status: paygate.TrackerShipped, TrackingNumberType: paygate.TrackingNumberCarrier, Version: 1,
		CreatedAt: at(0), UpdatedAt: at(0)}
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{want}})
	checkTracker(t, mustTracker(t, s, "m_a", "O1", "N1"), want)
}

func testTrackerTrackingNoIgnoresCase(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	want := newTracker(p, "TK1", "Fb202208290000001", at(0))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{want}})
	for _, no := range []string{"Fb202208290000001", "FB202208290000001", "fb202208290000001"} {
		checkTracker(t, mustTracker(t, s, "m_a", "O1", no), want)
	}
}

func testTrackerNotFound(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{newTracker(p, "TK1", "N1", at(0))}})
	for _, tc := range []struct{ name, merchantID, orderNo, trackingNo string }{
		{"UnknownTrackingNo", "m_a", "O1", "N2"},
		{"UnknownOrder", "m_a", "O2", "N1"},
		{"TradeNoIsNotOrderNo", "m_a", "T1", "N1"},
		{"TrackerIDIsNotTrackingNo", "m_a", "O1", "TK1"},
		{"OtherMerchant", "m_b", "O1", "N1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.Tracker(t.Context(), tc.merchantID, tc.orderNo, tc.trackingNo)
			wantCode(t, err, paygate.ENotFound)
		})
	}
	if ts := mustTrackers(t, s, "m_b", "O1"); len(ts) != 0 {
		t.Errorf("Trackers of another merchant: got %v, want none", trackerIDs(ts))
	}
	if ts := mustTrackers(t, s, "m_a", "O2"); len(ts) != 0 {
		t.Errorf("Trackers of an unknown order: got %v, want none", trackerIDs(ts))
	}
}

func testTrackerTrackingNoUniquePerOrder(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	first := newTracker(p, "TK1", "abc123", at(0))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{first}})

	// The same number in another case, with the payment's compare-and-set
	// and an event in the same Change: nothing of it is written.
	p2 := *p
	p2.Version = 2
	p2.NotifySeq = 1
	fresh := newTracker(p, "TK2", "OTHER1", at(time.Minute))
	dup := newTracker(p, "TK3", "ABC123", at(time.Minute))
	err := s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&p2}, Trackers: []*paygate.Tracker{fresh, dup},
		Events: []paygate.Event{fresh.Event("", "req_2"), dup.Event("", "req_2")}})
	wantCode(t, err, paygate.EConflict)
	checkPayment(t, mustPayment(t, s, "m_a", "T1"), p)
	checkTrackers(t, mustTrackers(t, s, "m_a", "O1"), []*paygate.Tracker{first})
	for _, id := range []string{"TK2", "TK3"} {
		if evs := mustEvents(t, s, "m_a", id); len(evs) != 0 {
			t.Errorf("Events of %s: got %d, want 0", id, len(evs))
		}
	}

	// Another order of the merchant, and another merchant's order of the
	// same orderNo, may use the number.
	q := newPayment("m_a", "T2", "O2")
	other := newTracker(q, "TK4", "ABC123", at(2*time.Minute))
	b := newPayment("m_b", "T3", "O1")
	theirs := newTracker(b, "TK5", "abc123", at(2*time.Minute))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{q, b}, Trackers: []*paygate.Tracker{other, theirs}})
	checkTracker(t, mustTracker(t, s, "m_a", "O2", "abc123"), other)
	checkTracker(t, mustTracker(t, s, "m_b", "O1", "ABC123"), theirs)
	checkTracker(t, mustTracker(t, s, "m_a", "O1", "abc123"), first)
}

func testTrackerDuplicateTrackerID(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	first := newTracker(p, "TK1", "N1", at(0))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{first}})
	wantCode(t, s.Apply(ctx, paygate.Change{Trackers: []*paygate.Tracker{newTracker(p, "TK1", "N2", at(time.Minute))}}), paygate.EConflict)
	checkTrackers(t, mustTrackers(t, s, "m_a", "O1"), []*paygate.Tracker{first})
}

func testTrackerListOldestFirst(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	q := newPayment("m_a", "T2", "O2")
	t1 := newTracker(p, "TK_c", "N1", at(1*time.Minute))
	t2 := newTracker(p, "TK_b", "N2", at(2*time.Minute))
	t3 := newTracker(p, "TK_a", "N3", at(2*time.Minute)) // same time: by id
	tq := newTracker(q, "TK_q", "N1", at(90*time.Second))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p, q}})
	// Inserted out of order, partly in one Change.
	mustApply(t, s, paygate.Change{Trackers: []*paygate.Tracker{t2, tq}})
	mustApply(t, s, paygate.Change{Trackers: []*paygate.Tracker{t1}})
	mustApply(t, s, paygate.Change{Trackers: []*paygate.Tracker{t3}})
	checkTrackers(t, mustTrackers(t, s, "m_a", "O1"), []*paygate.Tracker{t1, t3, t2})
	checkTrackers(t, mustTrackers(t, s, "m_a", "O2"), []*paygate.Tracker{tq})
}

func testTrackerCompareAndSet(t *testing.T, open func(t *testing.T) paygate.Store) {
	s := open(t)
	p := newPayment("m_a", "T1", "O1")
	v1 := newTracker(p, "TK1", "N1", at(0))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{v1}})

	// Version 2 replaces every field of version 1 but the keys.
	v2 := cloneTracker(v1)
	if err := v2.Transition(paygate.TrackerDelivered, at(time.Hour), "req_2"); err != nil {
		t.Fatalf("Transition: %v", err)
	}
	v2.Record("carrier", v2.Carrier, "FEDEX", at(time.Hour), "req_2")
	v2.Carrier, v2.CarrierNameOther = "FEDEX", ""
	v2.TrackingURL = "https://www.fedex.com/fedextrack/?trknbr=N1"
	v2.ShipmentDate = "2026-01-02"
	v2.TrackingNumberType = paygate.TrackingNumberE2EPartner
	v2.Metadata = map[string]string{"box": "2"}
	v2.Version = 2
	p2 := *p
	p2.Version = 2
	p2.NotifySeq = 7
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{&p2}, Trackers: []*paygate.Tracker{v2},
		Events: []paygate.Event{v2.Event(v1.Status, "req_2")}})
	checkTracker(t, mustTracker(t, s, "m_a", "O1", "N1"), v2)
	checkPayment(t, mustPayment(t, s, "m_a", "T1"), &p2)

	// Version 3 follows version 2; metadata may go away entirely.
	v3 := cloneTracker(v2)
	v3.Metadata = nil
	v3.Version = 3
	mustApply(t, s, paygate.Change{Trackers: []*paygate.Tracker{v3}})
	checkTracker(t, mustTracker(t, s, "m_a", "O1", "N1"), v3)
}

func testTrackerCompareAndSetStale(t *testing.T, open func(t *testing.T) paygate.Store) {
	for _, tc := range []struct {
		name    string
		version int64
	}{
		{"SameVersionAgain", 2}, // stored is 2 after the setup below
		{"Skipped", 4},
		{"Zero", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, ctx := open(t), t.Context()
			p := newPayment("m_a", "T1", "O1")
			v1 := newTracker(p, "TK1", "N1", at(0))
			mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{v1}})
			v2 := cloneTracker(v1)
			v2.Version = 2
			v2.ShipmentDate = "2026-01-05"
			mustApply(t, s, paygate.Change{Trackers: []*paygate.Tracker{v2}})

			stale := cloneTracker(v2)
			stale.Version = tc.version
			stale.Status = paygate.TrackerCancelled
			p2 := *p
			p2.Version = 2
			fresh := newTracker(p, "TK2", "N2", at(time.Minute))
			err := s.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&p2}, Trackers: []*paygate.Tracker{fresh, stale},
				Events: []paygate.Event{stale.Event(v2.Status, "req_x")}})
			wantCode(t, err, paygate.EConflict)
			checkTracker(t, mustTracker(t, s, "m_a", "O1", "N1"), v2)
			checkPayment(t, mustPayment(t, s, "m_a", "T1"), p)
			if _, err := s.Tracker(ctx, "m_a", "O1", "N2"); paygate.ErrorCode(err) != paygate.ENotFound {
				t.Errorf("Tracker N2: got %v, want code %q", err, paygate.ENotFound)
			}
			if evs := mustEvents(t, s, "m_a", "TK1"); len(evs) != 0 {
				t.Errorf("Events of TK1: got %d, want 0", len(evs))
			}
		})
	}
}

func testTrackerUpdateOtherMerchant(t *testing.T, open func(t *testing.T) paygate.Store) {
	// A merchant's update cannot reach another merchant's tracker.
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	v1 := newTracker(p, "TK1", "N1", at(0))
	mustApply(t, s, paygate.Change{Payments: []*paygate.Payment{p}, Trackers: []*paygate.Tracker{v1}})
	v2 := cloneTracker(v1)
	v2.MerchantID = "m_b"
	v2.Version = 2
	v2.Status = paygate.TrackerCancelled
	wantCode(t, s.Apply(ctx, paygate.Change{Trackers: []*paygate.Tracker{v2}}), paygate.EConflict)
	checkTracker(t, mustTracker(t, s, "m_a", "O1", "N1"), v1)
}

func testTrackerUpdateAbsent(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	p := newPayment("m_a", "T1", "O1")
	tr := newTracker(p, "TK1", "N1", at(0))
	tr.Version = 2
	wantCode(t, s.Apply(ctx, paygate.Change{Trackers: []*paygate.Tracker{tr}}), paygate.EConflict)
	_, err := s.Tracker(ctx, "m_a", "O1", "N1")
	wantCode(t, err, paygate.ENotFound)
}

// newTracker returns a tracker (Version 1) of p with every field set.
func newTracker(p *paygate.Payment, trackerID, trackingNo string, created time.Time) *paygate.Tracker {
	return &paygate.Tracker{
		TrackerID:          trackerID,
		MerchantID:         p.MerchantID,
		OrderNo:            p.OrderNo,
		TradeNo:            p.TradeNo,
		TrackingNo:         trackingNo,
		Carrier:            "OTHER",
		CarrierNameOther:   "Coursier Élan — Paris",
		ShipmentDate:       "2026-01-01",
		ShipmentDirection:  paygate.DirectionForward,
		Status:             paygate.TrackerShipped,
		TrackingNumberType: paygate.TrackingNumberCarrier,
		TrackingURL:        "https://track.example/?n=" + trackingNo + "&lang=fr",
		Metadata:           map[string]string{"box": "1 of 2", "note": "fragile ✓"},
		RequestHash:        "rh_" + trackerID,
		Version:            1,
		History: []paygate.TrackerChange{
			{At: created, Field: "status", To: string(paygate.TrackerShipped), RequestID: "req_1"},
			{At: created, Field: "metadata.box", From: "", To: "1 of 2"},
		},
		CreatedAt: created,
		UpdatedAt: created,
	}
}

func cloneTracker(t *paygate.Tracker) *paygate.Tracker {
	c := *t
	if t.Metadata != nil {
		c.Metadata = map[string]string{}
		for k, v := range t.Metadata {
			c.Metadata[k] = v
		}
	}
	c.History = append([]paygate.TrackerChange(nil), t.History...)
	return &c
}

func mustTracker(t *testing.T, s paygate.Store, merchantID, orderNo, trackingNo string) *paygate.Tracker {
	t.Helper()
	tr, err := s.Tracker(t.Context(), merchantID, orderNo, trackingNo)
	if err != nil {
		t.Fatalf("Tracker %s/%s: %v", orderNo, trackingNo, err)
	}
	return tr
}

func mustTrackers(t *testing.T, s paygate.Store, merchantID, orderNo string) []*paygate.Tracker {
	t.Helper()
	ts, err := s.Trackers(t.Context(), merchantID, orderNo)
	if err != nil {
		t.Fatalf("Trackers %s: %v", orderNo, err)
	}
	return ts
}

func checkTracker(t *testing.T, got, want *paygate.Tracker) {
	t.Helper()
	g, w := normTracker(got), normTracker(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Tracker %s:\ngot  %s\nwant %s", want.TrackerID, asJSON(g), asJSON(w))
	}
}

func checkTrackers(t *testing.T, got, want []*paygate.Tracker) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Trackers: got %v, want %v", trackerIDs(got), trackerIDs(want))
	}
	for i := range want {
		checkTracker(t, got[i], want[i])
	}
}

// normTracker returns a copy of tr with its times comparable with ==.
func normTracker(tr *paygate.Tracker) *paygate.Tracker {
	c := cloneTracker(tr)
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	for i := range c.History {
		c.History[i].At = normTime(c.History[i].At)
	}
	if len(c.History) == 0 {
		c.History = nil
	}
	return c
}

func trackerIDs(ts []*paygate.Tracker) []string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.TrackerID)
	}
	return ids
}
