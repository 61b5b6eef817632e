package wire

import "paygate"

// TrackerView is a shipment tracker with its history.
type TrackerView struct {
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
	Metadata           MetadataValue       `json:"metadata,omitzero"`
	History            []TrackerChangeView `json:"history"`
	CreatedAt          string              `json:"createdAt"`
	UpdatedAt          string              `json:"updatedAt"`
}

// TrackerChangeView is one change in a tracker's history.
type TrackerChangeView struct {
	At        string `json:"at"`
	Field     string `json:"field"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// TrackerListView is every tracker of an order.
type TrackerListView struct {
	Trackers []TrackerView `json:"trackers"`
}

// TrackerBatchView is the answer to a batch: the trackers added and the
// items refused.
type TrackerBatchView struct {
	Trackers []TrackerView       `json:"trackers"`
	Errors   []TrackerBatchError `json:"errors"`
}

// TrackerBatchError is one refused item of a batch, by its index.
type TrackerBatchError struct {
	Index      int           `json:"index"`
	OrderNo    string        `json:"orderNo,omitempty"`
	TrackingNo string        `json:"trackingNo,omitempty"`
	Error      ItemErrorBody `json:"error"`
}

// ItemErrorBody is ErrorBody for one item of a batch: the request id is the
// batch's own, in the X-Request-Id header.
type ItemErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

// NewTrackerView renders a tracker.
func NewTrackerView(t *paygate.Tracker) TrackerView {
	v := TrackerView{TrackerID: t.TrackerID, OrderNo: t.OrderNo, TradeNo: t.TradeNo, TrackingNo: t.TrackingNo,
		Carrier: t.Carrier, CarrierNameOther: t.CarrierNameOther, ShipmentDate: t.ShipmentDate,
		ShipmentDirection: t.ShipmentDirection, Status: string(t.Status), TrackingNumberType: t.TrackingNumberType,
		TrackingURL: t.TrackingURL, Metadata: MetadataValue{Text: t.MetadataText, Pairs: t.Metadata}, History: []TrackerChangeView{},
		CreatedAt: TimeString(t.CreatedAt), UpdatedAt: TimeString(t.UpdatedAt)}
	for _, h := range t.History {
		v.History = append(v.History, TrackerChangeView{At: TimeString(h.At), Field: h.Field, From: h.From, To: h.To, RequestID: h.RequestID})
	}
	return v
}

// NewTrackerViews renders trackers, an empty list for none.
func NewTrackerViews(ts []*paygate.Tracker) []TrackerView {
	out := []TrackerView{}
	for _, t := range ts {
		out = append(out, NewTrackerView(t))
	}
	return out
}
