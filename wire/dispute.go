package wire

import (
	"encoding/json"

	"paygate"
)

// DisputeView is a dispute as the API answers it.
type DisputeView struct {
	DisputeID     string `json:"disputeId"`
	TradeNo       string `json:"tradeNo"`
	OrderNo       string `json:"orderNo"`
	Amount        string `json:"amount"`
	Currency      string `json:"currency"`
	Fee           string `json:"fee"`
	Reason        string `json:"reason"`
	Status        string `json:"status"`
	Evidence      string `json:"evidence,omitempty"`
	EvidenceDueBy string `json:"evidenceDueBy"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
	ClosedAt      string `json:"closedAt,omitempty"`
}

// DisputeListView is a page of disputes, newest first.
type DisputeListView struct {
	Data       []DisputeView `json:"data"`
	HasMore    bool          `json:"hasMore"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// EvidenceRequest is the body of POST /v1/disputes/{id}/evidence.
type EvidenceRequest struct {
	Evidence string `json:"evidence"`
}

// NewDisputeView renders a dispute.
func NewDisputeView(d *paygate.Dispute) DisputeView {
	return DisputeView{DisputeID: d.DisputeID, TradeNo: d.TradeNo, OrderNo: d.OrderNo, Amount: d.Amount.String(),
		Currency: d.Amount.Currency, Fee: paygate.Money{Minor: d.FeeMinor, Currency: d.Amount.Currency}.String(),
		Reason: d.Reason, Status: string(d.Status), Evidence: d.Evidence, EvidenceDueBy: TimeString(d.EvidenceDueBy),
		CreatedAt: TimeString(d.CreatedAt), UpdatedAt: TimeString(d.UpdatedAt), ClosedAt: OptTime(d.ClosedAt)}
}

// DisputeJSON renders a dispute as GET /v1/disputes/{id} answers it.
func DisputeJSON(d *paygate.Dispute) (json.RawMessage, error) {
	return json.Marshal(NewDisputeView(d))
}
