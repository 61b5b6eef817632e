package wire

import "paygate"

// SessionView is a checkout session with its payment, as
// GET /v1/checkout/sessions/{id} answers it.
type SessionView struct {
	SessionID   string      `json:"sessionId"`
	TradeNo     string      `json:"tradeNo"`
	OrderNo     string      `json:"orderNo"`
	Status      string      `json:"status"`
	CheckoutURL string      `json:"checkoutUrl"`
	ExpiresAt   string      `json:"expiresAt"`
	Amount      string      `json:"amount"`
	Currency    string      `json:"currency"`
	Description string      `json:"description,omitempty"`
	FrontURL    string      `json:"frontUrl,omitempty"`
	LinkMode    string      `json:"linkMode"`
	Methods     []string    `json:"paymentMethodTypes"`
	CreatedAt   string      `json:"createdAt"`
	UpdatedAt   string      `json:"updatedAt"`
	Payment     PaymentView `json:"payment"`
}

// NewSessionView renders a session and its payment.
func NewSessionView(s *paygate.Session, p *paygate.Payment) SessionView {
	v := SessionView{SessionID: s.SessionID, TradeNo: s.TradeNo, OrderNo: s.OrderNo, Status: string(s.Status),
		CheckoutURL: s.CheckoutURL, ExpiresAt: TimeString(s.ExpiresAt), Amount: p.Amount.String(), Currency: p.Amount.Currency,
		Description: p.Description, FrontURL: s.FrontURL, LinkMode: s.LinkMode, CreatedAt: TimeString(s.CreatedAt),
		UpdatedAt: TimeString(s.UpdatedAt), Payment: NewPaymentView(p, nil), Methods: s.PaymentMethodTypes}
	if len(v.Methods) == 0 {
		v.Methods = []string{paygate.MethodCard} // sessions made before wallets
	}
	return v
}
