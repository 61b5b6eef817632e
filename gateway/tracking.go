package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"paygate"
	"paygate/wire"
)

// Shipment tracking (docs/tracking.md): merchants attach shipments to paid
// orders. A tracker change is written with its payment (compare-and-set), so
// the payment's status cannot change between the check and the write, and
// the payment's NotifySeq numbers the tracking.updated notification.

// maxPatchOps bounds the operations of one tracker update.
const maxPatchOps = 50

// TrackerBatchItem is one item of a batch as http decoded it: its request,
// or the error that kept it from being decoded.
type TrackerBatchItem struct {
	Request *wire.TrackerRequest
	Err     error
}

// TrackerBatchResult is the outcome of one batch item: the stored tracker,
// or the item's error.
type TrackerBatchResult struct {
	Index   int
	Request *wire.TrackerRequest // nil when the item could not be decoded
	Tracker *paygate.Tracker
	Err     error
}

// AddTracker attaches a shipment to a paid (or authorized) order. The same
// trackingNo on the order again replays the stored tracker (created=false)
// when the body is the same, and is duplicate_tracking_no when not.
//
// Errors: invalid_parameter, not_found, invalid_state, duplicate_tracking_no.
func (s *Tracking) AddTracker(ctx context.Context, req *wire.TrackerRequest) (*paygate.Tracker, bool, error) {
	var err error
	if req.Metadata, err = req.Metadata.Or(req.Matedata); err != nil {
		return nil, false, err
	}
	req.Matedata = wire.MetadataValue{}
	req.Carrier = paygate.CanonicalCarrier(req.Carrier)
	if err := s.checkTracker(req, s.now()); err != nil {
		return nil, false, err
	}
	merchantID := paygate.MerchantID(ctx)
	reqID := paygate.RequestID(ctx)
	// The number is one tracker whatever its case, so a retry spelling it
	// otherwise is the same request.
	h := *req
	h.TrackingNo = strings.ToUpper(h.TrackingNo)
	hash := s.requestHash(h)
	type added struct {
		t     *paygate.Tracker
		isNew bool
	}
	out, err := retryStale(ctx, "order "+req.OrderNo, func() (added, error) {
		old, err := s.store.Tracker(ctx, merchantID, req.OrderNo, req.TrackingNo)
		if err == nil {
			if err := sameRequest(old.RequestHash, hash, paygate.EDuplicateTracking, "trackingNo %s on order %s", req.TrackingNo, req.OrderNo); err != nil {
				return added{}, err
			}
			return added{old, false}, nil
		}
		if !isCode(err, paygate.ENotFound) {
			return added{}, err
		}
		p, err := s.store.PaymentByOrderNo(ctx, merchantID, req.OrderNo)
		if err != nil {
			return added{}, notFound(err, "payment", req.OrderNo)
		}
		if !p.Status.TakesTracking() {
			return added{}, paygate.Errorf(paygate.EInvalidState,
				"payment %s is %s; only a SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED or AUTHORIZED payment can take tracking", p.TradeNo, p.Status)
		}
		now := s.now()
		t := &paygate.Tracker{
			TrackerID: newID("TK", now, 8), MerchantID: merchantID, OrderNo: p.OrderNo, TradeNo: p.TradeNo,
			TrackingNo: req.TrackingNo, Carrier: req.Carrier, CarrierNameOther: req.CarrierNameOther,
			ShipmentDate: req.ShipmentDate, ShipmentDirection: req.ShipmentDirection,
			Status: paygate.TrackerStatus(req.ShippingStatus), TrackingNumberType: req.TrackingNumberType,
			TrackingURL: orDefault(req.TrackingURL, paygate.TrackingURL(req.Carrier, req.TrackingNo)),
			Metadata:    req.Metadata.Pairs, MetadataText: req.Metadata.Text, RequestHash: hash, Version: 1, CreatedAt: now,
		}
		t.Record("status", "", string(t.Status), now, reqID)
		q := *p
		q.Version++
		// A conflict: the trackingNo was taken meanwhile (replay it) or the
		// payment changed (check its status again).
		if err := stale(s.commit(ctx, paygate.Change{Payments: []*paygate.Payment{&q}, Trackers: []*paygate.Tracker{t},
			Events: []paygate.Event{t.Event("", reqID)}})); err != nil {
			return added{}, err
		}
		return added{t, true}, nil
	})
	return out.t, out.isNew, err
}

// AddTrackers adds each item of a batch on its own: one item's failure
// never blocks the others, and each item is written whole or not at all.
// The results are in the items' order.
//
// Errors: invalid_parameter when the batch holds no item or more than
// wire.MaxTrackerBatch; each item's own error is in its result.
func (s *Tracking) AddTrackers(ctx context.Context, items []TrackerBatchItem) ([]TrackerBatchResult, error) {
	if len(items) == 0 || len(items) > wire.MaxTrackerBatch {
		return nil, paygate.InvalidParam("trackers", "a batch holds 1-%d trackers, not %d", wire.MaxTrackerBatch, len(items))
	}
	out := make([]TrackerBatchResult, 0, len(items))
	for i, it := range items {
		r := TrackerBatchResult{Index: i, Request: it.Request, Err: it.Err}
		if r.Err == nil {
			r.Tracker, _, r.Err = s.AddTracker(ctx, it.Request)
		}
		if paygate.ErrorCode(r.Err) == paygate.EInternal {
			s.log.ErrorContext(ctx, "batch tracker failed", "index", i, "err", r.Err)
		}
		out = append(out, r)
	}
	return out, nil
}

// UpdateTracker applies JSON Patch operations to a tracker, all or none:
// the first operation that fails leaves the tracker as it was. Operations
// that change nothing write nothing. With an idempotency key, a retry gets
// the first answer.
//
// Errors: invalid_parameter, not_found, invalid_state, idempotency_key_reused.
func (s *Tracking) UpdateTracker(ctx context.Context, req *wire.TrackerUpdateRequest, idemKey string) (*paygate.Tracker, error) {
	var err error
	if req.Metadata, err = req.Metadata.Or(req.Matedata); err != nil {
		return nil, err
	}
	req.Matedata = wire.MetadataValue{}
	list := "items"
	if req.Items == nil && req.Iterms != nil {
		req.Items, req.Iterms, list = req.Iterms, nil, "iterms"
	}
	return idempotent(s.core, ctx, idemKey, "tracking.update", req, func() (*paygate.Tracker, error) {
		var c checker
		c.reference("orderNo", req.OrderNo)
		if c.required("trackingNo", req.TrackingNo) {
			c.length("trackingNo", req.TrackingNo, 1, 64)
		}
		switch {
		case req.Iterms != nil:
			c.fail("iterms", "give items or iterms, not both")
		case len(req.Items) == 0 && req.Metadata.IsZero():
			c.fail(list, "%s is required: at least one operation", list)
		case len(req.Items) > maxPatchOps:
			c.fail(list, "%s may hold at most %d operations", list, maxPatchOps)
		}
		c.metadataValue("metadata", req.Metadata)
		if c.err != nil {
			return nil, c.err
		}
		merchantID := paygate.MerchantID(ctx)
		reqID := paygate.RequestID(ctx)
		return retryStale(ctx, "tracker "+req.TrackingNo, func() (*paygate.Tracker, error) {
			t, err := s.store.Tracker(ctx, merchantID, req.OrderNo, req.TrackingNo)
			if err != nil {
				return nil, notFound(err, "tracker "+req.TrackingNo+" on order", req.OrderNo)
			}
			p, err := s.store.Payment(ctx, merchantID, t.TradeNo)
			if err != nil {
				return nil, err
			}
			now := s.now()
			u := cloneTracker(t)
			if err := s.patchTracker(u, req.Metadata, req.Items, list, now, reqID); err != nil {
				return nil, err
			}
			if len(u.History) == len(t.History) {
				return t, nil // nothing changed: nothing to write or notify
			}
			if !p.Status.TakesTracking() && u.Status != t.Status && u.Status != paygate.TrackerCancelled {
				// A voided or expired order ships nothing: its shipments may be
				// cancelled, never moved on (a false proof of delivery).
				return nil, paygate.Errorf(paygate.EInvalidState,
					"payment %s is %s; its shipments can only be cancelled", p.TradeNo, p.Status)
			}
			u.Version++
			q := *p
			q.Version++
			// A conflict: changed meanwhile, so apply the operations to the
			// fresh copy.
			if err := stale(s.commit(ctx, paygate.Change{Payments: []*paygate.Payment{&q}, Trackers: []*paygate.Tracker{u},
				Events: []paygate.Event{u.Event(t.Status, reqID)}})); err != nil {
				return nil, err
			}
			return u, nil
		})
	})
}

// Trackers lists the trackers of the merchant's order, oldest first.
func (s *Tracking) Trackers(ctx context.Context, orderNo string) ([]*paygate.Tracker, error) {
	return s.store.Trackers(ctx, paygate.MerchantID(ctx), orderNo)
}

// TrackerInquiry answers POST /v1/tracking/inquiry: one tracker by orderNo
// and trackingNo, or every tracker of the order by orderNo alone.
//
// Errors: invalid_parameter, not_found.
func (s *Tracking) TrackerInquiry(ctx context.Context, req *wire.TrackerInquiryRequest) (*paygate.Tracker, []*paygate.Tracker, error) {
	var c checker
	if c.required("orderNo", req.OrderNo) {
		c.length("orderNo", req.OrderNo, 1, 64)
	}
	c.length("trackingNo", req.TrackingNo, 1, 64)
	if c.err != nil {
		return nil, nil, c.err
	}
	merchantID := paygate.MerchantID(ctx)
	if req.TrackingNo != "" {
		t, err := s.store.Tracker(ctx, merchantID, req.OrderNo, req.TrackingNo)
		return t, nil, notFound(err, "tracker "+req.TrackingNo+" on order", req.OrderNo)
	}
	if _, err := s.store.PaymentByOrderNo(ctx, merchantID, req.OrderNo); err != nil {
		return nil, nil, notFound(err, "payment", req.OrderNo)
	}
	ts, err := s.store.Trackers(ctx, merchantID, req.OrderNo)
	return nil, ts, err
}

// checkTracker validates an add request, reporting the first problem.
func (s *core) checkTracker(req *wire.TrackerRequest, now time.Time) error {
	var c checker
	c.reference("orderNo", req.OrderNo)
	c.trackingNo("trackingNo", req.TrackingNo)
	c.carrier("carrier", req.Carrier, "carrierNameOther", req.CarrierNameOther)
	if c.required("shipmentDate", req.ShipmentDate) {
		c.shipmentDate("shipmentDate", req.ShipmentDate, now)
	}
	if c.required("shipmentDirection", req.ShipmentDirection) {
		c.oneOf("shipmentDirection", req.ShipmentDirection, paygate.DirectionForward, paygate.DirectionReturn)
	}
	if c.required("shippingStatus", req.ShippingStatus) {
		c.trackerStatus("shippingStatus", req.ShippingStatus)
	}
	if c.required("trackingNumberType", req.TrackingNumberType) {
		c.oneOf("trackingNumberType", req.TrackingNumberType, paygate.TrackingNumberCarrier, paygate.TrackingNumberE2EPartner)
	}
	c.url("trackingUrl", req.TrackingURL, 512)
	c.metadataValue("metadata", req.Metadata)
	if c.err != nil {
		return c.err
	}
	return nil
}

// trackingNo checks a tracking number: 1-64 URL-safe characters (letters,
// digits, - . _ ~), so it goes into a carrier's tracking URL as is.
func (c *checker) trackingNo(param, v string) {
	if !c.required(param, v) {
		return
	}
	if len(v) > 64 {
		c.fail(param, "%s must be 1-64 characters", param)
		return
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if !('0' <= b && b <= '9' || 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || b == '-' || b == '.' || b == '_' || b == '~') {
			c.fail(param, "%s may hold only letters, digits and - . _ ~", param)
			return
		}
	}
}

// carrier checks a carrier code and its name: a code of paygate.Carriers
// needs nothing more; OTHER or a code not in the list needs the name.
func (c *checker) carrier(param, code, nameParam, name string) {
	if c.carrierCode(param, code); c.err != nil {
		return
	}
	c.length(nameParam, name, 1, 64)
	if _, known := paygate.CarrierByCode(code); known || name != "" {
		return
	}
	if code == paygate.CarrierOther {
		c.fail(nameParam, "%s is required when %s is OTHER", nameParam, param)
		return
	}
	c.fail(param, "%s %s is not in the carrier list (docs/tracking.md); use a listed code, or give %s", param, code, nameParam)
}

// carrierCode checks a carrier code's form: 1-64 capital letters, digits and _.
func (c *checker) carrierCode(param, code string) {
	if !c.required(param, code) {
		return
	}
	if len(code) > 64 {
		c.fail(param, "%s must be 1-64 characters", param)
		return
	}
	for i := 0; i < len(code); i++ {
		if b := code[i]; !('0' <= b && b <= '9' || 'A' <= b && b <= 'Z' || b == '_') {
			c.fail(param, "%s must be a carrier code of capital letters, digits and _, such as UPS or SF_EXPRESS", param)
			return
		}
	}
}

// shipmentDate checks a YYYY-MM-DD date: a real one, from 2000 and at most
// 30 days after today (UTC).
func (c *checker) shipmentDate(param, v string, now time.Time) {
	d, err := time.Parse("2006-01-02", v)
	if err != nil || len(v) != 10 {
		c.fail(param, "%s must be a real date as YYYY-MM-DD", param)
		return
	}
	today := now.UTC().Truncate(24 * time.Hour)
	switch {
	case d.Year() < 2000:
		c.fail(param, "%s must be in 2000 or later", param)
	case d.After(today.AddDate(0, 0, 30)):
		c.fail(param, "%s must be at most 30 days after today (%s)", param, today.Format("2006-01-02"))
	}
}

func (c *checker) trackerStatus(param, v string) {
	if !paygate.TrackerStatus(v).Valid() {
		names := make([]string, 0, 5)
		for _, s := range paygate.TrackerStatuses() {
			names = append(names, string(s))
		}
		c.fail(param, "%s must be one of %s", param, strings.Join(names, ", "))
	}
}

// patchPaths are the paths an update may name, but /metadata/<key>.
var patchPaths = []string{"/status", "/carrier", "/carrierNameOther", "/trackingUrl", "/shipmentDate", "/trackingNumberType"}

// patchTracker applies the merged metadata, then the operations, to t in
// order, recording each change in t's history. It stops at the first
// problem; t is the caller's copy, thrown away then. A tracker's metadata
// is a string or keys, never both: a string replaces the keys, and a key
// replaces the string.
func (s *core) patchTracker(t *paygate.Tracker, meta wire.MetadataValue, ops []wire.PatchOp, list string, now time.Time, reqID string) error {
	pt := &trackerPatch{t: t, now: now, reqID: reqID, oldCarrier: t.Carrier}
	if meta.Text != "" {
		for _, k := range slices.Sorted(maps.Keys(t.Metadata)) {
			t.Record("metadata."+k, t.Metadata[k], "", now, reqID)
		}
		t.Metadata = nil
		setField(t, "metadata", &t.MetadataText, meta.Text, now, reqID)
	}
	if t.Metadata == nil {
		t.Metadata = map[string]string{}
	}
	merge := meta.Pairs
	if len(merge) > 0 {
		pt.dropText()
	}
	for _, k := range slices.Sorted(maps.Keys(merge)) {
		if old, ok := t.Metadata[k]; !ok || old != merge[k] {
			t.Record("metadata."+k, old, merge[k], now, reqID)
			t.Metadata[k] = merge[k]
		}
	}
	for i, op := range ops {
		if err := pt.apply(fmt.Sprintf("%s[%d]", list, i), op); err != nil {
			return err
		}
	}
	return pt.finish(list)
}

// trackerPatch is one update's patch in progress: what the last checks
// after every operation need to know.
type trackerPatch struct {
	t            *paygate.Tracker
	now          time.Time
	reqID        string
	oldCarrier   string
	carrierParam string // the operation that set the carrier or its name, if one did
	urlOp        bool   // an operation set the tracking URL
}

// patchValue checks an operation's op and path and reads its value
// ("" for remove).
func patchValue(param string, op wire.PatchOp) (string, error) {
	switch op.Op {
	case "add", "replace", "remove":
	case "":
		return "", paygate.InvalidParam(param+".op", "%s.op is required", param)
	default:
		return "", paygate.InvalidParam(param+".op", "%s.op must be add, replace or remove", param)
	}
	_, isMeta := strings.CutPrefix(op.Path, "/metadata/")
	if !isMeta && !slices.Contains(patchPaths, op.Path) {
		return "", paygate.InvalidParam(param+".path", "%s.path must be one of %s or /metadata/<key>", param, strings.Join(patchPaths, ", "))
	}
	if !isMeta && op.Path != "/carrierNameOther" && op.Op != "replace" {
		return "", paygate.InvalidParam(param+".op", "%s.op must be replace on %s", param, op.Path)
	}
	var v string
	if op.Op != "remove" {
		if len(op.Value) == 0 || string(op.Value) == "null" {
			return "", paygate.InvalidParam(param+".value", "%s.value is required", param)
		}
		if err := json.Unmarshal(op.Value, &v); err != nil {
			return "", paygate.InvalidParam(param+".value", "%s.value must be a string", param)
		}
	}
	return v, nil
}

// apply checks and applies one operation.
func (pt *trackerPatch) apply(param string, op wire.PatchOp) error {
	v, err := patchValue(param, op)
	if err != nil {
		return err
	}
	t, now, reqID := pt.t, pt.now, pt.reqID
	vp := param + ".value"
	field := strings.TrimPrefix(op.Path, "/")
	var c checker
	switch op.Path {
	case "/status":
		if c.trackerStatus(vp, v); c.err != nil {
			return c.err
		}
		return t.Transition(paygate.TrackerStatus(v), now, reqID)
	case "/carrier":
		// Whether it needs carrierNameOther is checked once every operation ran.
		v = paygate.CanonicalCarrier(v)
		c.carrierCode(vp, v)
		pt.carrierParam = vp
		return pt.set(&c, field, &t.Carrier, v)
	case "/carrierNameOther":
		pt.carrierParam = vp
		if op.Op == "remove" {
			pt.carrierParam = param
		} else if c.required(vp, v) {
			c.length(vp, v, 1, 64)
		}
		return pt.set(&c, field, &t.CarrierNameOther, v)
	case "/trackingUrl":
		if c.required(vp, v) {
			c.url(vp, v, 512)
		}
		pt.urlOp = true
		return pt.set(&c, field, &t.TrackingURL, v)
	case "/shipmentDate":
		if c.required(vp, v) {
			c.shipmentDate(vp, v, now)
		}
		return pt.set(&c, field, &t.ShipmentDate, v)
	case "/trackingNumberType":
		if c.required(vp, v) {
			c.oneOf(vp, v, paygate.TrackingNumberCarrier, paygate.TrackingNumberE2EPartner)
		}
		return pt.set(&c, field, &t.TrackingNumberType, v)
	}
	return pt.metadata(param, op, v)
}

// set sets a field once its checks passed.
func (pt *trackerPatch) set(c *checker, field string, dst *string, v string) error {
	if c.err != nil {
		return c.err
	}
	setField(pt.t, field, dst, v, pt.now, pt.reqID)
	return nil
}

// metadata applies an operation on /metadata/<key>.
func (pt *trackerPatch) metadata(param string, op wire.PatchOp, v string) error {
	t := pt.t
	key, ok := unescapePointer(strings.TrimPrefix(op.Path, "/metadata/"))
	if !ok || key == "" || len([]rune(key)) > 40 {
		return paygate.InvalidParam(param+".path", "%s.path must name a metadata key of 1-40 characters (~1 for /, ~0 for ~)", param)
	}
	pt.dropText()
	old, exists := t.Metadata[key]
	if !exists && op.Op != "add" {
		return paygate.InvalidParam(param+".path", "%s.path: no metadata key %q to %s", param, key, op.Op)
	}
	if op.Op == "remove" {
		delete(t.Metadata, key)
		t.Record("metadata."+key, old, "", pt.now, pt.reqID)
		return nil
	}
	if vp := param + ".value"; len([]rune(v)) > 500 {
		return paygate.InvalidParam(vp, "%s must be at most 500 characters", vp)
	}
	if old != v || !exists {
		t.Metadata[key] = v
		t.Record("metadata."+key, old, v, pt.now, pt.reqID)
	}
	return nil
}

// dropText drops a metadata string the tracker holds, for keys to take its place.
func (pt *trackerPatch) dropText() {
	setField(pt.t, "metadata", &pt.t.MetadataText, "", pt.now, pt.reqID)
}

// finish checks what only the whole update can tell.
func (pt *trackerPatch) finish(list string) error {
	t := pt.t
	if len(t.Metadata) > 50 {
		return paygate.InvalidParam(list, "metadata may hold at most 50 keys")
	}
	if len(t.Metadata) == 0 {
		t.Metadata = nil
	}
	if pt.carrierParam != "" {
		if _, known := paygate.CarrierByCode(t.Carrier); !known && t.CarrierNameOther == "" {
			return paygate.InvalidParam(pt.carrierParam, "carrier %s needs carrierNameOther", t.Carrier)
		}
	}
	// A URL derived from the old carrier's page follows the carrier, unless
	// the same update set the URL itself.
	if t.Carrier != pt.oldCarrier && !pt.urlOp && t.TrackingURL == paygate.TrackingURL(pt.oldCarrier, t.TrackingNo) {
		setField(t, "trackingUrl", &t.TrackingURL, paygate.TrackingURL(t.Carrier, t.TrackingNo), pt.now, pt.reqID)
	}
	return nil
}

// setField sets *dst to v, recording the change if there is one.
func setField(t *paygate.Tracker, field string, dst *string, v string, now time.Time, reqID string) {
	if *dst != v {
		t.Record(field, *dst, v, now, reqID)
		*dst = v
	}
}

// unescapePointer decodes one JSON Pointer (RFC 6901) reference token; a
// "/" left in it would address below a metadata value, which is a string.
func unescapePointer(s string) (string, bool) {
	if strings.Contains(s, "/") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && (i+1 == len(s) || s[i+1] != '0' && s[i+1] != '1') {
			return "", false
		}
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s), true
}

// cloneTracker copies t deeply enough to change it without touching t.
func cloneTracker(t *paygate.Tracker) *paygate.Tracker {
	u := *t
	u.Metadata = maps.Clone(t.Metadata)
	u.History = slices.Clone(t.History)
	return &u
}
