package wire

import "paygate"

// BalanceView is a merchant's money in one currency.
type BalanceView struct {
	Currency  string `json:"currency"`
	Pending   string `json:"pending"`   // captured, not yet settled
	Available string `json:"available"` // settled, not yet paid out
}

// BalancesView answers GET /v1/balance.
type BalancesView struct {
	Data []BalanceView `json:"data"`
}

// SettlementView is a settlement batch.
type SettlementView struct {
	SettlementID string `json:"settlementId"`
	Currency     string `json:"currency"`
	Cutoff       string `json:"cutoff"`
	Status       string `json:"status"`
	Captures     int    `json:"captures"`
	Refunds      int    `json:"refunds"`
	Disputes     int    `json:"disputes"`
	Gross        string `json:"gross"`
	Refunded     string `json:"refunded"`
	Disputed     string `json:"disputed"`
	Fees         string `json:"fees"`
	Net          string `json:"net"`
	CreatedAt    string `json:"createdAt"`
	PaidAt       string `json:"paidAt,omitempty"`
}

// SettlementListView is a page of settlements, newest first.
type SettlementListView struct {
	Data       []SettlementView `json:"data"`
	HasMore    bool             `json:"hasMore"`
	NextCursor string           `json:"nextCursor,omitempty"`
}

// SettlementItemView is one line of a batch.
type SettlementItemView struct {
	Type      string `json:"type"` // capture, refund, dispute or dispute_won
	TradeNo   string `json:"tradeNo"`
	RefundID  string `json:"refundId,omitempty"`
	DisputeID string `json:"disputeId,omitempty"`
	At        string `json:"at"`
	Currency  string `json:"currency"`
	Gross     string `json:"gross"` // negative for a refund
	Fee       string `json:"fee"`
	Net       string `json:"net"`
}

// SettlementItemHeader is the CSV header of a batch's lines.
var SettlementItemHeader = []string{"type", "tradeNo", "refundId", "disputeId", "at", "currency", "gross", "fee", "net"}

// Signed writes a signed amount of minor units in the currency's major
// unit: -10.00 for -1000 USD.
func Signed(minor int64, currency string) string {
	if minor < 0 {
		return "-" + paygate.Money{Minor: -minor, Currency: currency}.String()
	}
	return paygate.Money{Minor: minor, Currency: currency}.String()
}

// NewSettlementView renders a batch.
func NewSettlementView(st *paygate.Settlement) SettlementView {
	c := st.Currency
	return SettlementView{SettlementID: st.ID, Currency: c, Cutoff: TimeString(st.Cutoff), Status: string(st.Status),
		Captures: st.Captures, Refunds: st.Refunds, Disputes: st.Disputes, Gross: Signed(st.GrossMinor, c),
		Refunded: Signed(st.RefundedMinor, c), Disputed: Signed(st.DisputedMinor, c),
		Fees: Signed(st.FeeMinor, c), Net: Signed(st.NetMinor, c), CreatedAt: TimeString(st.CreatedAt), PaidAt: OptTime(st.PaidAt)}
}

// NewSettlementItemView renders a batch's line.
func NewSettlementItemView(st *paygate.Settlement, it paygate.SettlementItem) SettlementItemView {
	v := SettlementItemView{Type: it.Kind, TradeNo: it.TradeNo, At: TimeString(it.At), Currency: st.Currency,
		Gross: Signed(it.GrossMinor, st.Currency), Fee: Signed(it.FeeMinor, st.Currency), Net: Signed(it.NetMinor, st.Currency)}
	switch it.Kind {
	case "refund":
		v.RefundID = it.Ref
	case "dispute", "dispute_won":
		v.DisputeID = it.Ref
	}
	return v
}

// CSV is the line as CSV fields, in SettlementItemHeader's order.
func (v SettlementItemView) CSV() []string {
	return []string{v.Type, v.TradeNo, v.RefundID, v.DisputeID, v.At, v.Currency, v.Gross, v.Fee, v.Net}
}
