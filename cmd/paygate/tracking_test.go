package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end tests of shipment tracking (docs/tracking.md). The harness
// clock stands at 2026-11-25, so shipment dates up to 2026-12-25 are allowed.

// paidOrder creates a payment of c and returns its orderNo and tradeNo;
// edit adjusts the body (captureMethod, card number) before it is sent.
func paidOrder(t *testing.T, c *client, edit func(map[string]any)) (orderNo, tradeNo string) {
	t.Helper()
	orderNo = nextOrderNo("trk")
	body := cardPayment(orderNo, "4242424242424242")
	if edit != nil {
		edit(body)
	}
	r := c.do("POST", "/v1/payments", body).want(201)
	return orderNo, r.str("tradeNo")
}

// trackerBody is the documented add-tracking example body for an order.
func trackerBody(orderNo, trackingNo string) map[string]any {
	return map[string]any{
		"carrier":            "2EBOX",
		"orderNo":            orderNo,
		"shipmentDate":       "2026-11-20",
		"shipmentDirection":  "FORWARD",
		"shippingStatus":     "SHIPPED",
		"trackingNo":         trackingNo,
		"trackingNumberType": "CARRIER_PROVIDED",
	}
}

func patch(orderNo, trackingNo string, ops ...map[string]any) map[string]any {
	return map[string]any{"orderNo": orderNo, "trackingNo": trackingNo, "items": ops}
}

func replace(path string, value any) map[string]any {
	return map[string]any{"op": "replace", "path": path, "value": value}
}

// history returns a tracker answer's history as "field:from>to" strings.
func history(r *response) []string {
	var out []string
	hs, _ := r.json["history"].([]any)
	for _, h := range hs {
		m := h.(map[string]any)
		from, _ := m["from"].(string)
		to, _ := m["to"].(string)
		out = append(out, fmt.Sprintf("%s:%s>%s", m["field"], from, to))
	}
	return out
}

func TestTrackingAdd(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, tradeNo := paidOrder(t, c, nil)

	// The example body: 2EBOX has no public tracking page, so no trackingUrl.
	body := trackerBody(orderNo, "Fb202208290000001")
	r := c.do("POST", "/v1/tracking", body).want(201)
	for k, want := range map[string]any{"orderNo": orderNo, "tradeNo": tradeNo, "trackingNo": "Fb202208290000001",
		"carrier": "2EBOX", "shipmentDate": "2026-11-20", "shipmentDirection": "FORWARD", "status": "SHIPPED",
		"trackingNumberType": "CARRIER_PROVIDED", "createdAt": "2026-11-25T12:00:00Z"} {
		if got := r.json[k]; got != want {
			t.Errorf("%s: got %v, want %v", k, got, want)
		}
	}
	if _, ok := r.json["trackingUrl"]; ok {
		t.Errorf("trackingUrl: got %v, want none for 2EBOX", r.json["trackingUrl"])
	}
	if h := history(r); len(h) != 1 || h[0] != "status:>SHIPPED" {
		t.Errorf("history: got %v, want [status:>SHIPPED]", h)
	}
	id := r.str("trackerId")

	// The same body again, in any case of the number, replays the tracker.
	for _, no := range []string{"Fb202208290000001", "FB202208290000001"} {
		body["trackingNo"] = no
		again := c.do("POST", "/v1/tracking", body).want(200)
		if again.header.Get("Idempotent-Replayed") != "true" || again.str("trackerId") != id {
			t.Errorf("replay of %s: got %s (Idempotent-Replayed %q), want tracker %s", no, again.body, again.header.Get("Idempotent-Replayed"), id)
		}
	}
	// Another body with the same number is a conflict.
	body["shipmentDate"] = "2026-11-21"
	c.do("POST", "/v1/tracking", body).wantError(409, "duplicate_tracking_no", "")

	t.Run("DerivedURL", func(t *testing.T) {
		b := trackerBody(orderNo, "1Z999AA10123456784")
		b["carrier"] = "UPS"
		r := c.do("POST", "/v1/tracking", b).want(201)
		if got, want := r.str("trackingUrl"), "https://www.ups.com/track?tracknum=1Z999AA10123456784"; got != want {
			t.Errorf("trackingUrl: got %q, want %q", got, want)
		}
	})
	t.Run("GivenURL", func(t *testing.T) {
		b := trackerBody(orderNo, "1Z999AA10123456785")
		b["carrier"] = "UPS"
		b["trackingUrl"] = "https://shop.example/track/1"
		if got := c.do("POST", "/v1/tracking", b).want(201).str("trackingUrl"); got != "https://shop.example/track/1" {
			t.Errorf("trackingUrl: got %q, want the given one", got)
		}
	})
	t.Run("Other", func(t *testing.T) {
		for i, carrier := range []string{"OTHER", "POSTE_ITALIANE"} {
			b := trackerBody(orderNo, fmt.Sprintf("OTH-%d", i))
			b["carrier"] = carrier
			b["carrierNameOther"] = "Poste Italiane"
			r := c.do("POST", "/v1/tracking", b).want(201)
			if r.str("carrier") != carrier || r.str("carrierNameOther") != "Poste Italiane" {
				t.Errorf("got %s, want carrier %s named Poste Italiane", r.body, carrier)
			}
		}
	})
	t.Run("Matedata", func(t *testing.T) {
		b := trackerBody(orderNo, "META-1")
		b["matedata"] = map[string]string{"box": "1 of 2"}
		r := c.do("POST", "/v1/tracking", b).want(201)
		if got := r.get("metadata.box"); got != "1 of 2" {
			t.Errorf("metadata.box: got %v, want 1 of 2", got)
		}
	})
	t.Run("Statuses", func(t *testing.T) {
		for _, st := range []string{"SHIPPED", "ON_HOLD", "LOCAL_PICKUP", "DELIVERED", "CANCELLED"} {
			b := trackerBody(orderNo, "ST-"+st)
			b["shippingStatus"] = st
			b["shipmentDirection"] = "RETURN"
			b["trackingNumberType"] = "E2E_PARTNER_PROVIDED"
			if got := c.do("POST", "/v1/tracking", b).want(201).str("status"); got != st {
				t.Errorf("status: got %s, want %s", got, st)
			}
		}
	})
}

func TestTrackingPaymentStatus(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	manual := func(b map[string]any) { b["captureMethod"] = "manual" }
	card := func(no string) func(map[string]any) {
		return func(b map[string]any) { b["card"].(map[string]any)["cardNo"] = no }
	}
	refund := func(orderNo, amount string) {
		c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": amount, "refundNumber": nextOrderNo("rf"),
			"reason": "returned", "clientIp": "10.1.1.1"}).want(201)
	}
	for _, tc := range []struct {
		name   string
		status string
		setup  func() string
		ok     bool
	}{
		{"Succeeded", "SUCCEEDED", func() string { o, _ := paidOrder(t, c, nil); return o }, true},
		{"Authorized", "AUTHORIZED", func() string { o, _ := paidOrder(t, c, manual); return o }, true},
		{"PartiallyRefunded", "PARTIALLY_REFUNDED", func() string { o, _ := paidOrder(t, c, nil); refund(o, "1.00"); return o }, true},
		{"Refunded", "REFUNDED", func() string { o, _ := paidOrder(t, c, nil); refund(o, "100.99"); return o }, true},
		{"Failed", "FAILED", func() string { o, _ := paidOrder(t, c, card("4000000000000002")); return o }, false},
		{"RequiresAction", "REQUIRES_ACTION", func() string { o, _ := paidOrder(t, c, card("4000000000003220")); return o }, false},
		{"Cancelled", "CANCELLED", func() string {
			o, _ := paidOrder(t, c, manual)
			c.do("POST", "/v1/payments/cancel", map[string]string{"orderNo": o}).want(200)
			return o
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orderNo := tc.setup()
			if got := c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200).str("status"); got != tc.status {
				t.Fatalf("payment status: got %s, want %s", got, tc.status)
			}
			r := c.do("POST", "/v1/tracking", trackerBody(orderNo, "N-"+tc.name))
			if tc.ok {
				r.want(201)
				return
			}
			r.wantError(409, "invalid_state", "")
			if msg := r.get("error.message").(string); !strings.Contains(msg, tc.status) {
				t.Errorf("message: got %q, want it to name %s", msg, tc.status)
			}
		})
	}
	c.do("POST", "/v1/tracking", trackerBody("NO-SUCH-ORDER", "N1")).wantError(404, "not_found", "")
}

func TestTrackingBadInput(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, _ := paidOrder(t, c, nil)
	for _, tc := range []struct {
		name  string
		edit  func(b map[string]any)
		param string
	}{
		{"NoCarrier", func(b map[string]any) { delete(b, "carrier") }, "carrier"},
		{"UnknownCarrier", func(b map[string]any) { b["carrier"] = "ACME_POST" }, "carrier"},
		{"LowerCaseUnlistedCarrier", func(b map[string]any) { b["carrier"] = "acme_post" }, "carrier"},
		{"OtherWithoutName", func(b map[string]any) { b["carrier"] = "OTHER" }, "carrierNameOther"},
		{"LongCarrierName", func(b map[string]any) { b["carrier"] = "OTHER"; b["carrierNameOther"] = strings.Repeat("x", 65) }, "carrierNameOther"},
		{"ShortOrderNo", func(b map[string]any) { b["orderNo"] = "1234" }, "orderNo"},
		{"NoShipmentDate", func(b map[string]any) { delete(b, "shipmentDate") }, "shipmentDate"},
		{"February30", func(b map[string]any) { b["shipmentDate"] = "2025-02-30" }, "shipmentDate"},
		{"SlashedDate", func(b map[string]any) { b["shipmentDate"] = "2025/06/09" }, "shipmentDate"},
		{"ShortDate", func(b map[string]any) { b["shipmentDate"] = "2025-6-9" }, "shipmentDate"},
		{"DateTooFarAhead", func(b map[string]any) { b["shipmentDate"] = "2026-12-26" }, "shipmentDate"},
		{"DateTooOld", func(b map[string]any) { b["shipmentDate"] = "1999-12-31" }, "shipmentDate"},
		{"Direction", func(b map[string]any) { b["shipmentDirection"] = "SIDEWAYS" }, "shipmentDirection"},
		{"Status", func(b map[string]any) { b["shippingStatus"] = "LOST" }, "shippingStatus"},
		{"StatusList", func(b map[string]any) { b["shippingStatus"] = "SHIPPED、CANCELLED、DELIVERED" }, "shippingStatus"},
		{"NoStatus", func(b map[string]any) { delete(b, "shippingStatus") }, "shippingStatus"},
		{"NoTrackingNo", func(b map[string]any) { delete(b, "trackingNo") }, "trackingNo"},
		{"LongTrackingNo", func(b map[string]any) { b["trackingNo"] = strings.Repeat("9", 65) }, "trackingNo"},
		{"SpaceInTrackingNo", func(b map[string]any) { b["trackingNo"] = "1Z 999" }, "trackingNo"},
		{"NumberType", func(b map[string]any) { b["trackingNumberType"] = "MERCHANT_PROVIDED" }, "trackingNumberType"},
		{"URL", func(b map[string]any) { b["trackingUrl"] = "ftp://track.example/1" }, "trackingUrl"},
		{"MatedataNumber", func(b map[string]any) { b["matedata"] = 5 }, "matedata"},
		{"MatedataNullValue", func(b map[string]any) { b["matedata"] = map[string]any{"k": nil} }, "matedata.k"},
		{"MetadataAndMatedata", func(b map[string]any) { b["metadata"] = "a"; b["matedata"] = "b" }, "matedata"},
		{"LongMetadataString", func(b map[string]any) { b["metadata"] = strings.Repeat("x", 501) }, "metadata"},
		{"CarrierNumber", func(b map[string]any) { b["carrier"] = 5 }, "carrier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := trackerBody(orderNo, "BAD-1")
			tc.edit(b)
			c.do("POST", "/v1/tracking", b).wantError(400, "invalid_parameter", tc.param)
		})
	}
	// Exactly 30 days ahead is allowed; nothing above was stored.
	b := trackerBody(orderNo, "BAD-1")
	b["shipmentDate"] = "2026-12-25"
	c.do("POST", "/v1/tracking", b).want(201)
	c.do("POST", "/v1/tracking", "not json").wantError(400, "invalid_json", "")
}

func TestTrackingBatch(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, _ := paidOrder(t, c, nil)
	declined, _ := paidOrder(t, c, func(b map[string]any) { b["card"].(map[string]any)["cardNo"] = "4000000000000002" })

	late := trackerBody(orderNo, "B-2")
	late["shipmentDate"] = "2025-02-30"
	clash := trackerBody(orderNo, "b-1") // B-1 again, another body
	clash["carrier"] = "UPS"
	items := []any{
		trackerBody(orderNo, "B-1"),
		late,
		trackerBody("NO-SUCH-ORDER", "B-3"),
		clash,
		"not an object",
		trackerBody(declined, "B-5"),
		map[string]any{"orderNo": orderNo, "trackingNo": 6},
		trackerBody(orderNo, "B-7"),
		trackerBody(orderNo, "B-1"), // the first again: replayed
	}
	r := c.do("POST", "/v1/tracking/batch", items).want(200) // a bare array
	var got []string
	for _, x := range r.get("trackers").([]any) {
		got = append(got, x.(map[string]any)["trackingNo"].(string))
	}
	if strings.Join(got, ",") != "B-1,B-7,B-1" {
		t.Errorf("stored: got %v, want [B-1 B-7 B-1]", got)
	}
	type itemErr struct {
		Index      int
		OrderNo    string
		TrackingNo string
		Error      struct{ Code, Param string }
	}
	var errs struct{ Errors []itemErr }
	json.Unmarshal(r.body, &errs)
	want := []string{
		"1 " + orderNo + " B-2 invalid_parameter shipmentDate",
		"2 NO-SUCH-ORDER B-3 not_found ",
		"3 " + orderNo + " b-1 duplicate_tracking_no ",
		"4   invalid_parameter trackers[4]",
		"5 " + declined + " B-5 invalid_state ",
		"6   invalid_parameter trackingNo",
	}
	var gotErrs []string
	for _, e := range errs.Errors {
		gotErrs = append(gotErrs, fmt.Sprintf("%d %s %s %s %s", e.Index, e.OrderNo, e.TrackingNo, e.Error.Code, e.Error.Param))
	}
	if strings.Join(gotErrs, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\ngot\n%s\nwant\n%s", strings.Join(gotErrs, "\n"), strings.Join(want, "\n"))
	}
	// Each good item is stored whole: the order has exactly B-1 and B-7.
	list := c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	if ts := list.get("trackers").([]any); len(ts) != 2 {
		t.Errorf("order's trackers: got %d, want 2: %s", len(ts), list.body)
	}
	if ts := c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": declined}).want(200).get("trackers").([]any); len(ts) != 0 {
		t.Errorf("declined order's trackers: got %d, want 0", len(ts))
	}

	t.Run("ObjectForm", func(t *testing.T) {
		r := c.do("POST", "/v1/tracking/batch", map[string]any{"trackers": []any{trackerBody(orderNo, "OBJ-1")}}).want(200)
		if n := len(r.get("trackers").([]any)); n != 1 || len(r.get("errors").([]any)) != 0 {
			t.Errorf("got %s, want one tracker and no error", r.body)
		}
	})
	t.Run("Size", func(t *testing.T) {
		many := func(n int) []any {
			out := make([]any, n)
			for i := range out {
				out[i] = trackerBody(orderNo, fmt.Sprintf("MANY-%d", i))
			}
			return out
		}
		c.do("POST", "/v1/tracking/batch", []any{}).wantError(400, "invalid_parameter", "trackers")
		c.do("POST", "/v1/tracking/batch", many(21)).wantError(400, "invalid_parameter", "trackers")
		c.do("POST", "/v1/tracking/batch", map[string]any{"trackers": []any{}}).wantError(400, "invalid_parameter", "trackers")
		c.do("POST", "/v1/tracking/batch", map[string]any{}).wantError(400, "invalid_parameter", "trackers")
		c.do("POST", "/v1/tracking/batch", map[string]any{"trackers": "x"}).wantError(400, "invalid_parameter", "trackers")
		c.do("POST", "/v1/tracking/batch", "[1,").wantError(400, "invalid_json", "")
		// Nothing of the refused batches was stored; 20 is allowed.
		if r := c.do("POST", "/v1/tracking/batch", many(20)).want(200); len(r.get("trackers").([]any)) != 20 {
			t.Errorf("got %s, want 20 trackers", r.body)
		}
	})
}

func TestTrackingUpdate(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, _ := paidOrder(t, c, nil)
	b := trackerBody(orderNo, "U-1")
	b["carrier"] = "UPS"
	c.do("POST", "/v1/tracking", b).want(201)
	inquire := func() *response {
		return c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo, "trackingNo": "U-1"}).want(200)
	}

	// Several fields at once; the derived URL follows the carrier.
	r := c.do("POST", "/v1/tracking/update", patch(orderNo, "u-1",
		replace("/carrier", "FEDEX"),
		replace("/shipmentDate", "2026-11-22"),
		replace("/trackingNumberType", "E2E_PARTNER_PROVIDED"),
		map[string]any{"op": "add", "path": "/metadata/warehouse", "value": "HK-2"},
		map[string]any{"op": "add", "path": "/metadata/a~1b", "value": "slash"},
	)).want(200)
	if r.str("carrier") != "FEDEX" || r.str("shipmentDate") != "2026-11-22" || r.str("trackingNumberType") != "E2E_PARTNER_PROVIDED" ||
		r.str("trackingUrl") != "https://www.fedex.com/fedextrack/?trknbr=U-1" || r.get("metadata.warehouse") != "HK-2" ||
		r.get("metadata.a/b") != "slash" {
		t.Errorf("got %s", r.body)
	}
	wantHist := []string{"status:>SHIPPED", "carrier:UPS>FEDEX", "shipmentDate:2026-11-20>2026-11-22",
		"trackingNumberType:CARRIER_PROVIDED>E2E_PARTNER_PROVIDED", "metadata.warehouse:>HK-2", "metadata.a/b:>slash",
		"trackingUrl:https://www.ups.com/track?tracknum=U-1>https://www.fedex.com/fedextrack/?trknbr=U-1"}
	if h := history(r); strings.Join(h, " ") != strings.Join(wantHist, " ") {
		t.Errorf("history:\ngot  %v\nwant %v", h, wantHist)
	}

	// Metadata: replace and remove need the key; remove drops it.
	c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", map[string]any{"op": "replace", "path": "/metadata/nope", "value": "x"})).
		wantError(400, "invalid_parameter", "items[0].path")
	c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", map[string]any{"op": "remove", "path": "/metadata/nope"})).
		wantError(400, "invalid_parameter", "items[0].path")
	r = c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1",
		map[string]any{"op": "replace", "path": "/metadata/warehouse", "value": "HK-3"},
		map[string]any{"op": "remove", "path": "/metadata/a~1b"})).want(200)
	if r.get("metadata.warehouse") != "HK-3" || r.get("metadata.a/b") != nil {
		t.Errorf("metadata: got %v", r.get("metadata"))
	}

	// Bad operations name the item.
	for _, tc := range []struct {
		name  string
		op    map[string]any
		param string
	}{
		{"Move", map[string]any{"op": "move", "path": "/status", "from": "/carrier"}, "items[1].op"},
		{"NoOp", map[string]any{"path": "/status", "value": "DELIVERED"}, "items[1].op"},
		{"PathNotListed", replace("/orderNo", "X-1"), "items[1].path"},
		{"AddStatus", map[string]any{"op": "add", "path": "/status", "value": "DELIVERED"}, "items[1].op"},
		{"RemoveCarrier", map[string]any{"op": "remove", "path": "/carrier"}, "items[1].op"},
		{"BadStatus", replace("/status", "LOST"), "items[1].value"},
		{"NumberValue", replace("/status", 1), "items[1].value"},
		{"NoValue", map[string]any{"op": "replace", "path": "/status"}, "items[1].value"},
		{"BadDate", replace("/shipmentDate", "2025-02-30"), "items[1].value"},
		{"BadURL", replace("/trackingUrl", "javascript:alert(1)"), "items[1].value"},
		{"UnknownCarrier", replace("/carrier", "ACME_POST"), "items[1].value"},
		{"DeepMetadata", map[string]any{"op": "add", "path": "/metadata/a/b", "value": "x"}, "items[1].path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The first operation is valid: all or nothing, it is not applied either.
			c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", replace("/carrier", "DHL"), tc.op)).
				wantError(400, "invalid_parameter", tc.param)
			if got := inquire().str("carrier"); got != "FEDEX" {
				t.Errorf("carrier after a refused update: got %s, want FEDEX", got)
			}
		})
	}
	c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1")).wantError(400, "invalid_parameter", "items")
	c.do("POST", "/v1/tracking/update", map[string]any{"orderNo": orderNo, "trackingNo": "U-1",
		"items": []any{replace("/status", "ON_HOLD")}, "iterms": []any{replace("/status", "ON_HOLD")}}).wantError(400, "invalid_parameter", "iterms")
	c.do("POST", "/v1/tracking/update", patch(orderNo, "NO-SUCH", replace("/status", "DELIVERED"))).wantError(404, "not_found", "")

	// Status: the transition table, all or nothing.
	before := inquire()
	r = c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", replace("/status", "ON_HOLD"), replace("/status", "SHIPPED"),
		replace("/status", "DELIVERED"))).want(200)
	if r.str("status") != "DELIVERED" || len(history(r)) != len(history(before))+3 {
		t.Errorf("got status %s with history %v, want DELIVERED after 3 more changes", r.str("status"), history(r))
	}
	hist := history(r)
	r = c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", replace("/carrier", "DHL"), replace("/status", "SHIPPED"))).
		wantError(409, "invalid_state", "")
	if msg := r.get("error.message").(string); !strings.Contains(msg, "DELIVERED") {
		t.Errorf("message: got %q, want it to name DELIVERED", msg)
	}
	if after := inquire(); after.str("carrier") != "FEDEX" || after.str("status") != "DELIVERED" || len(history(after)) != len(hist) {
		t.Errorf("after a refused transition: got %s, want it unchanged", after.body)
	}

	// Setting the current value changes nothing and writes nothing.
	r = c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", replace("/status", "DELIVERED"), replace("/carrier", "FEDEX"))).want(200)
	if len(history(r)) != len(hist) {
		t.Errorf("no-op update: history got %d entries, want %d", len(history(r)), len(hist))
	}

	// The documented cancel example body (iterms, matedata as an object, the number in
	// another case), with an Idempotency-Key.
	cancel := map[string]any{"iterms": []any{replace("/status", "CANCELLED")}, "matedata": map[string]string{"reason": "lost"},
		"orderNo": orderNo, "trackingNo": "U-1"}
	first := c.do("POST", "/v1/tracking/update", cancel, "Idempotency-Key", "cancel-U-1").want(200)
	if first.str("status") != "CANCELLED" || first.get("metadata.reason") != "lost" {
		t.Errorf("cancel: got %s", first.body)
	}
	again := c.do("POST", "/v1/tracking/update", cancel, "Idempotency-Key", "cancel-U-1").want(200)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: got %s (Idempotent-Replayed %q), want %s and the header", again.body, again.header.Get("Idempotent-Replayed"), first.body)
	}
	cancel["matedata"] = map[string]string{"reason": "other"}
	c.do("POST", "/v1/tracking/update", cancel, "Idempotency-Key", "cancel-U-1").wantError(409, "idempotency_key_reused", "")

	// CANCELLED is final.
	for _, st := range []string{"SHIPPED", "ON_HOLD", "LOCAL_PICKUP", "DELIVERED"} {
		c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", replace("/status", st))).wantError(409, "invalid_state", "")
	}
	// Other fields of a cancelled tracker may still be corrected.
	c.do("POST", "/v1/tracking/update", patch(orderNo, "U-1", replace("/trackingUrl", "https://shop.example/t/U-1"))).want(200)
}

func TestTrackingInquiry(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, tradeNo := paidOrder(t, c, func(b map[string]any) { b["captureMethod"] = "manual" })
	empty, emptyTrade := paidOrder(t, c, nil)

	// Payment inquiry lists the order's trackers, none when there are none
	// (like any field without a value); other payment answers never do.
	if r := c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": empty}).want(200); r.get("trackers") != nil {
		t.Errorf("inquiry of an order without trackers: got %s, want no trackers", r.body)
	}
	if r := c.do("GET", "/v1/payments/"+emptyTrade, nil).want(200); r.get("trackers") != nil {
		t.Errorf("GET payment: got %s, want no trackers", r.body)
	}
	c.do("POST", "/v1/tracking", trackerBody(orderNo, "Fb202208290000001")).want(201)
	a.clock.Advance(time.Second)
	c.do("POST", "/v1/tracking", trackerBody(orderNo, "SECOND-1")).want(201)
	c.do("POST", "/v1/tracking/update", patch(orderNo, "SECOND-1", replace("/status", "DELIVERED"))).want(200)

	// One tracker, found by the number in any case, with its history.
	r := c.do("POST", "/v1/tracking/inquiry", map[string]any{"orderNo": orderNo, "trackingNo": "FB202208290000001", "matedata": "K-V"}).want(200)
	if r.str("trackingNo") != "Fb202208290000001" {
		t.Errorf("got %s, want tracker Fb202208290000001", r.body)
	}
	r = c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo, "trackingNo": "SECOND-1"}).want(200)
	if h := history(r); strings.Join(h, " ") != "status:>SHIPPED status:SHIPPED>DELIVERED" {
		t.Errorf("history: got %v", h)
	}

	// The order's trackers, oldest first.
	list := c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	ts := list.get("trackers").([]any)
	if len(ts) != 2 || ts[0].(map[string]any)["trackingNo"] != "Fb202208290000001" || ts[1].(map[string]any)["status"] != "DELIVERED" {
		t.Errorf("got %s, want both trackers, oldest first", list.body)
	}
	for _, p := range []*response{
		c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200),
		c.do("GET", "/v1/payments/"+tradeNo, nil).want(200),
	} {
		if !jsonEqual(p.get("trackers"), list.get("trackers")) {
			t.Errorf("payment trackers: got %v, want %v", p.get("trackers"), list.get("trackers"))
		}
	}
	if r := c.do("POST", "/v1/payments/capture", map[string]string{"orderNo": orderNo, "captureAmount": "1"}).want(200); r.get("trackers") != nil {
		t.Errorf("capture answer: got trackers, want none: %s", r.body)
	}

	c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": empty, "trackingNo": "X"}).wantError(404, "not_found", "")
	c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": "NO-SUCH-ORDER"}).wantError(404, "not_found", "")
	c.do("POST", "/v1/tracking/inquiry", map[string]string{"trackingNo": "SECOND-1"}).wantError(400, "invalid_parameter", "orderNo")
}

func TestTrackingIsolation(t *testing.T) {
	a := startApp(t)
	alice := a.sandbox()
	bob := a.newMerchant("Bob")
	orderNo, _ := paidOrder(t, alice, nil)
	alice.do("POST", "/v1/tracking", trackerBody(orderNo, "ISO-1")).want(201)

	// Bob cannot see or touch Alice's order or tracker.
	bob.do("POST", "/v1/tracking", trackerBody(orderNo, "ISO-2")).wantError(404, "not_found", "")
	bob.do("POST", "/v1/tracking/update", patch(orderNo, "ISO-1", replace("/status", "CANCELLED"))).wantError(404, "not_found", "")
	bob.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo, "trackingNo": "ISO-1"}).wantError(404, "not_found", "")
	bob.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo}).wantError(404, "not_found", "")
	r := bob.do("POST", "/v1/tracking/batch", []any{trackerBody(orderNo, "ISO-3")}).want(200)
	if errs := r.get("errors").([]any); len(errs) != 1 || errs[0].(map[string]any)["error"].(map[string]any)["code"] != "not_found" {
		t.Errorf("Bob's batch: got %s, want one not_found", r.body)
	}

	// Bob's own order of the same orderNo is his alone.
	body := cardPayment(orderNo, "4242424242424242")
	bob.do("POST", "/v1/payments", body).want(201)
	bob.do("POST", "/v1/tracking", trackerBody(orderNo, "ISO-1")).want(201)
	bob.do("POST", "/v1/tracking/update", patch(orderNo, "ISO-1", replace("/status", "CANCELLED"))).want(200)
	if got := alice.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo, "trackingNo": "ISO-1"}).want(200).str("status"); got != "SHIPPED" {
		t.Errorf("Alice's tracker: got %s, want SHIPPED", got)
	}
	for name, c := range map[string]*client{"Alice": alice, "Bob": bob} {
		if ts := c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo}).want(200).get("trackers").([]any); len(ts) != 1 {
			t.Errorf("%s's trackers: got %d, want 1", name, len(ts))
		}
	}
}

func TestTrackingNotification(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	rcv := newReceiver(t)
	sub := c.do("POST", "/v1/notifications/subscriptions", map[string]string{
		"subscribeUrl": rcv.URL + "/sub", "apiVersion": "20250703", "signMethod": "sha256"}).want(201)
	orderNo, _ := paidOrder(t, c, func(b map[string]any) { b["notificationUrl"] = rcv.URL + "/order" })
	rcv.wait(t, "/order", 1) // payment.succeeded

	c.do("POST", "/v1/tracking", trackerBody(orderNo, "NTF-1")).want(201)
	c.do("POST", "/v1/tracking/update", patch(orderNo, "NTF-1", replace("/status", "DELIVERED"))).want(200)
	// A refused update and a no-op notify nothing.
	c.do("POST", "/v1/tracking/update", patch(orderNo, "NTF-1", replace("/status", "SHIPPED"))).wantError(409, "invalid_state", "")
	c.do("POST", "/v1/tracking/update", patch(orderNo, "NTF-1", replace("/status", "DELIVERED"))).want(200)
	inquiry := c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo, "trackingNo": "NTF-1"}).want(200)

	for _, target := range []struct{ path, secret string }{{"/order", a.Sandbox.NotifySecret}, {"/sub", sub.str("signingSecret")}} {
		ds := rcv.wait(t, target.path, 3)
		bySeq := map[float64]received{}
		for _, d := range ds {
			verifyStandardWebhook(t, target.secret, d)
			bySeq[d.JSON["sequence"].(float64)] = d
		}
		if len(ds) != 3 || bySeq[1].JSON["eventType"] != "payment.succeeded" {
			t.Fatalf("%s: got %d deliveries, want payment.succeeded then two tracking.updated", target.path, len(ds))
		}
		for seq, status := range map[float64]string{2: "SHIPPED", 3: "DELIVERED"} {
			d := bySeq[seq]
			data, _ := d.JSON["data"].(map[string]any)
			if d.JSON["eventType"] != "tracking.updated" || data["status"] != status || data["trackingNo"] != "NTF-1" {
				t.Errorf("%s sequence %v: got %s, want tracking.updated with the tracker %s", target.path, seq, d.Body, status)
			}
		}
		// The last notification's data is the tracker as inquiry answers it.
		if data := bySeq[3].JSON["data"]; !jsonEqual(data, inquiry.json) {
			t.Errorf("%s: got data %s, want the inquiry answer %s", target.path, mustJSON(t, data), inquiry.body)
		}
	}
	// The delivery log lists them under the order.
	logs := c.do("GET", "/v1/notifications?orderNo="+orderNo, nil).want(200).get("notifications").([]any)
	n := 0
	for _, l := range logs {
		if l.(map[string]any)["eventType"] == "tracking.updated" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("tracking.updated in the log: got %d, want 4 (2 changes x 2 targets)", n)
	}
}

// TestTrackingConcurrency: identical adds racing make one tracker; updates
// racing on one tracker all apply, each on the other's result.
func TestTrackingConcurrency(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, _ := paidOrder(t, c, nil)
	const n = 8
	statuses := make([]int, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := c.do("POST", "/v1/tracking", trackerBody(orderNo, "RACE-1"))
			statuses[i], ids[i] = r.status, r.str("trackerId")
		})
	}
	wg.Wait()
	created := 0
	for i, st := range statuses {
		if st == 201 {
			created++
		} else if st != 200 {
			t.Errorf("add %d: got status %d, want 201 or 200", i, st)
		}
		if ids[i] != ids[0] {
			t.Errorf("add %d: got tracker %s, want %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Errorf("created: got %d, want 1", created)
	}

	for i := range n {
		wg.Go(func() {
			statuses[i] = c.do("POST", "/v1/tracking/update", patch(orderNo, "RACE-1",
				map[string]any{"op": "add", "path": fmt.Sprintf("/metadata/k%d", i), "value": "v"})).status
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 {
			t.Errorf("update %d: got status %d, want 200", i, st)
		}
	}
	r := c.do("POST", "/v1/tracking/inquiry", map[string]string{"orderNo": orderNo, "trackingNo": "RACE-1"}).want(200)
	if m, _ := r.get("metadata").(map[string]any); len(m) != n || len(history(r)) != n+1 {
		t.Errorf("got metadata %v and %d history entries, want %d keys and %d entries", m, len(history(r)), n, n+1)
	}
}

// TestTrackingCarrierCase: a listed carrier is matched without regard to
// case, as the payment's shipping.carrier spells it ("Fedex"), and stored
// as its listed code.
func TestTrackingCarrierCase(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, _ := paidOrder(t, c, nil)
	body := trackerBody(orderNo, "CASE-1")
	body["carrier"] = "Fedex"
	r := c.do("POST", "/v1/tracking", body).want(201)
	if got := r.str("carrier"); got != "FEDEX" {
		t.Errorf("carrier: got %s, want FEDEX", got)
	}
	if got := r.str("trackingUrl"); got != "https://www.fedex.com/fedextrack/?trknbr=CASE-1" {
		t.Errorf("trackingUrl: got %s, want FedEx's page", got)
	}
	r = c.do("POST", "/v1/tracking/update", patch(orderNo, "CASE-1", replace("/carrier", "ups"))).want(200)
	if got := r.str("carrier"); got != "UPS" {
		t.Errorf("carrier after update: got %s, want UPS", got)
	}
}

// TestTrackingMetadataString: a tracker's metadata is a string or keys, as
// sent; a string replaces the keys and a key replaces the string.
func TestTrackingMetadataString(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo, _ := paidOrder(t, c, nil)
	body := trackerBody(orderNo, "META-1")
	body["metadata"] = map[string]string{"box": "1"}
	c.do("POST", "/v1/tracking", body).want(201)
	up := func(meta any) *response {
		return c.do("POST", "/v1/tracking/update", map[string]any{"orderNo": orderNo, "trackingNo": "META-1", "matedata": meta}).want(200)
	}
	if r := up("K-V"); r.get("metadata") != "K-V" {
		t.Errorf("after a string: got metadata %v, want K-V", r.get("metadata"))
	}
	r := up(map[string]string{"gift": "yes"})
	if m, _ := r.get("metadata").(map[string]any); len(m) != 1 || m["gift"] != "yes" {
		t.Errorf("after keys: got metadata %v, want {gift: yes}", r.get("metadata"))
	}
	want := []string{"status:>SHIPPED", "metadata.box:1>", "metadata:>K-V", "metadata:K-V>", "metadata.gift:>yes"}
	if got := history(r); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("history: got %v, want %v", got, want)
	}
}
