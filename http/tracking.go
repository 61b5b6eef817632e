package http

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// Shipment tracking: POST /v1/tracking, /v1/tracking/batch,
// /v1/tracking/update and /v1/tracking/inquiry (docs/tracking.md).

type trackerView struct {
	TrackerID          string              `json:"trackerId"`
	OrderNo            string              `json:"orderNo"`
	TradeNo            string              `json:"tradeNo"`
	TrackingNo         string              `json:"trackingNo"`
	Carrier            string              `json:"carrier"`
	CarrierNameOther   string              `json:"carrierNameOther,omitempty"`
	ShipmentDate       string              `json:"shipmentDate"`
	ShipmentDirection  string              `json:"shipmentDirection"`
	Status             string              `json:"status"`
	TrackingNumberType string              `json:"trackingNumberType"`
	TrackingURL        string              `json:"trackingUrl,omitempty"`
	Metadata           map[string]string   `json:"metadata,omitempty"`
	History            []trackerChangeView `json:"history"`
	CreatedAt          string              `json:"createdAt"`
	UpdatedAt          string              `json:"updatedAt"`
}

type trackerChangeView struct {
	At        string `json:"at"`
	Field     string `json:"field"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

type trackerListView struct {
	Trackers []trackerView `json:"trackers"`
}

type trackerBatchView struct {
	Trackers []trackerView       `json:"trackers"`
	Errors   []trackerBatchError `json:"errors"`
}

type trackerBatchError struct {
	Index      int           `json:"index"`
	OrderNo    string        `json:"orderNo,omitempty"`
	TrackingNo string        `json:"trackingNo,omitempty"`
	Error      itemErrorBody `json:"error"`
}

// itemErrorBody is errorBody for one item of a batch: the request id is the
// batch's own, in the X-Request-Id header.
type itemErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

func newTrackerView(t *paygate.Tracker) trackerView {
	v := trackerView{TrackerID: t.TrackerID, OrderNo: t.OrderNo, TradeNo: t.TradeNo, TrackingNo: t.TrackingNo,
		Carrier: t.Carrier, CarrierNameOther: t.CarrierNameOther, ShipmentDate: t.ShipmentDate,
		ShipmentDirection: t.ShipmentDirection, Status: string(t.Status), TrackingNumberType: t.TrackingNumberType,
		TrackingURL: t.TrackingURL, Metadata: t.Metadata, History: []trackerChangeView{},
		CreatedAt: timeString(t.CreatedAt), UpdatedAt: timeString(t.UpdatedAt)}
	for _, h := range t.History {
		v.History = append(v.History, trackerChangeView{At: timeString(h.At), Field: h.Field, From: h.From, To: h.To, RequestID: h.RequestID})
	}
	return v
}

func newTrackerViews(ts []*paygate.Tracker) []trackerView {
	out := []trackerView{}
	for _, t := range ts {
		out = append(out, newTrackerView(t))
	}
	return out
}

// TrackerJSON renders a tracker as tracking inquiry does.
func (Renderer) TrackerJSON(t *paygate.Tracker) (json.RawMessage, error) {
	return json.Marshal(newTrackerView(t))
}

// withTrackers lists the order's trackers in a payment inquiry's answer
// (none: the field is omitted, like any field without a value).
func (s *Server) withTrackers(ctx context.Context, v *paymentView) error {
	ts, err := s.gw.Trackers(ctx, v.OrderNo)
	if err != nil {
		return err
	}
	v.Trackers = newTrackerViews(ts)
	return nil
}

func (s *Server) handleAddTracker(w http.ResponseWriter, r *http.Request) {
	var req wire.TrackerRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	t, created, err := s.gw.AddTracker(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.created(w, created, newTrackerView(t))
}

func (s *Server) handleAddTrackers(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.error(w, r, paygate.Errorf(paygate.EInvalidJSON, "request body is larger than %d bytes", MaxBodyBytes))
			return
		}
		s.error(w, r, paygate.Errorf(paygate.EInvalidJSON, "request body could not be read"))
		return
	}
	items, err := decodeBatch(body)
	if err != nil {
		s.error(w, r, err)
		return
	}
	results, err := s.gw.AddTrackers(r.Context(), items)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := trackerBatchView{Trackers: []trackerView{}, Errors: []trackerBatchError{}}
	for _, res := range results {
		if res.Err == nil {
			out.Trackers = append(out.Trackers, newTrackerView(res.Tracker))
			continue
		}
		e := trackerBatchError{Index: res.Index, Error: itemErrorBody{Code: paygate.ErrorCode(res.Err),
			Message: paygate.ErrorMessage(res.Err), Param: paygate.ErrorParam(res.Err)}}
		if res.Request != nil {
			e.OrderNo, e.TrackingNo = res.Request.OrderNo, res.Request.TrackingNo
		}
		out.Errors = append(out.Errors, e)
	}
	s.json(w, http.StatusOK, out)
}

// decodeBatch reads a batch body into the gateway's items.
func decodeBatch(body []byte) ([]gateway.TrackerBatchItem, error) {
	reqs, errs, err := wire.DecodeTrackerBatch(body)
	if err != nil {
		return nil, err
	}
	items := make([]gateway.TrackerBatchItem, len(reqs))
	for i := range reqs {
		items[i] = gateway.TrackerBatchItem{Request: reqs[i], Err: errs[i]}
	}
	return items, nil
}

func (s *Server) handleUpdateTracker(w http.ResponseWriter, r *http.Request) {
	var req wire.TrackerUpdateRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	ctx, replayed := gateway.WithReplayFlag(r.Context())
	t, err := s.gw.UpdateTracker(ctx, &req, r.Header.Get("Idempotency-Key"))
	if *replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, newTrackerView(t))
}

func (s *Server) handleTrackerInquiry(w http.ResponseWriter, r *http.Request) {
	var req wire.TrackerInquiryRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	one, list, err := s.gw.TrackerInquiry(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if one != nil {
		s.json(w, http.StatusOK, newTrackerView(one))
		return
	}
	s.json(w, http.StatusOK, trackerListView{Trackers: newTrackerViews(list)})
}
