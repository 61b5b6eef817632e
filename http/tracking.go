package http

import (
	"context"
	"errors"
	"io"
	"net/http"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// Shipment tracking: POST /v1/tracking, /v1/tracking/batch,
// /v1/tracking/update and /v1/tracking/inquiry (docs/tracking.md).

// withTrackers lists the order's trackers in a payment inquiry's answer
// (none: the field is omitted, like any field without a value).
func (s *Server) withTrackers(ctx context.Context, v *wire.PaymentView) error {
	ts, err := s.tracking.Trackers(ctx, v.OrderNo)
	if err != nil {
		return err
	}
	v.Trackers = wire.NewTrackerViews(ts)
	return nil
}

func (s *Server) handleAddTracker(w http.ResponseWriter, r *http.Request) {
	var req wire.TrackerRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	t, created, err := s.tracking.AddTracker(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.created(w, created, wire.NewTrackerView(t))
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
	results, err := s.tracking.AddTrackers(r.Context(), items)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.TrackerBatchView{Trackers: []wire.TrackerView{}, Errors: []wire.TrackerBatchError{}}
	for _, res := range results {
		if res.Err == nil {
			out.Trackers = append(out.Trackers, wire.NewTrackerView(res.Tracker))
			continue
		}
		e := wire.TrackerBatchError{Index: res.Index, Error: wire.ItemErrorBody{Code: paygate.ErrorCode(res.Err),
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
	t, err := s.tracking.UpdateTracker(ctx, &req, r.Header.Get("Idempotency-Key"))
	if *replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.NewTrackerView(t))
}

func (s *Server) handleTrackerInquiry(w http.ResponseWriter, r *http.Request) {
	var req wire.TrackerInquiryRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	one, list, err := s.tracking.TrackerInquiry(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if one != nil {
		s.json(w, http.StatusOK, wire.NewTrackerView(one))
		return
	}
	s.json(w, http.StatusOK, wire.TrackerListView{Trackers: wire.NewTrackerViews(list)})
}
