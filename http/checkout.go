package http

import (
	"net/http"

	"paygate"
	"paygate/wire"
)

type sessionView struct {
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
	Payment     paymentView `json:"payment"`
}

func newSessionView(s *paygate.Session, p *paygate.Payment) sessionView {
	v := sessionView{SessionID: s.SessionID, TradeNo: s.TradeNo, OrderNo: s.OrderNo, Status: string(s.Status),
		CheckoutURL: s.CheckoutURL, ExpiresAt: timeString(s.ExpiresAt), Amount: p.Amount.String(), Currency: p.Amount.Currency,
		Description: p.Description, FrontURL: s.FrontURL, LinkMode: s.LinkMode, CreatedAt: timeString(s.CreatedAt),
		UpdatedAt: timeString(s.UpdatedAt), Payment: newPaymentView(p, nil), Methods: s.PaymentMethodTypes}
	if len(v.Methods) == 0 {
		v.Methods = []string{paygate.MethodCard} // sessions made before wallets
	}
	return v
}

func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request) {
	var req wire.SessionRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	sess, p, created, err := s.gw.CreateSession(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.created(w, created, newSessionView(sess, p))
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request) {
	sess, p, err := s.gw.Session(r.Context(), r.PathValue("sessionId"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, newSessionView(sess, p))
}
