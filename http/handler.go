package http

import (
	"net/http"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID  string `json:"appId"`
		Secret string `json:"secret"`
	}
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	token, exp, err := s.merchants.IssueToken(r.Context(), req.AppID, req.Secret, clientAddr(r))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, wire.TokenView{AccessToken: token, TokenType: "Bearer", ExpiresIn: exp})
}

func (s *Server) handleCreatePayment(w http.ResponseWriter, r *http.Request) {
	var req wire.CreatePaymentRequest
	if err := decodeWith(r, func(body []byte) error { return wire.DecodeCreatePayment(body, &req) }); err != nil {
		s.error(w, r, err)
		return
	}
	p, created, err := s.payments.CreatePayment(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.created(w, created, wire.NewPaymentView(p, nil))
}

// created answers 201 for a new object, or 200 with Idempotent-Replayed for
// the stored one returned to a repeated request.
func (s *Server) created(w http.ResponseWriter, created bool, v any) {
	if created {
		s.json(w, http.StatusCreated, v)
		return
	}
	w.Header().Set("Idempotent-Replayed", "true")
	s.json(w, http.StatusOK, v)
}

func (s *Server) handleCapture(w http.ResponseWriter, r *http.Request) {
	var req wire.CaptureRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	ctx, replayed := gateway.WithReplayFlag(r.Context())
	p, err := s.payments.Capture(ctx, &req, r.Header.Get("Idempotency-Key"))
	s.payment(w, r, *replayed)(p, err)
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	var req wire.CancelRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	ctx, replayed := gateway.WithReplayFlag(r.Context())
	p, err := s.payments.Cancel(ctx, &req, r.Header.Get("Idempotency-Key"))
	s.payment(w, r, *replayed)(p, err)
}

// payment renders a payment answer or its error.
func (s *Server) payment(w http.ResponseWriter, r *http.Request, replayed bool) func(*paygate.Payment, error) {
	return func(p *paygate.Payment, err error) {
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, wire.NewPaymentView(p, nil))
	}
}

func (s *Server) handleInquiry(w http.ResponseWriter, r *http.Request) {
	var req wire.InquiryRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	s.inquiry(w, r, &req)
}

func (s *Server) handleGetPayment(w http.ResponseWriter, r *http.Request) {
	s.inquiry(w, r, &wire.InquiryRequest{OrderRef: wire.OrderRef{TradeNo: r.PathValue("tradeNo")}})
}

func (s *Server) inquiry(w http.ResponseWriter, r *http.Request, req *wire.InquiryRequest) {
	p, refunds, err := s.payments.Inquiry(r.Context(), req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	v := wire.NewPaymentView(p, refunds)
	if err := s.withTrackers(r.Context(), &v); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, v)
}

func (s *Server) handleCreateRefund(w http.ResponseWriter, r *http.Request) {
	var req wire.RefundRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	ref, created, err := s.payments.CreateRefund(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.created(w, created, wire.NewRefundView(ref))
}

func (s *Server) handleRefundInquiry(w http.ResponseWriter, r *http.Request) {
	var req wire.RefundInquiryRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	one, list, err := s.payments.RefundInquiry(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if one != nil {
		s.json(w, http.StatusOK, wire.NewRefundView(one))
		return
	}
	out := struct {
		Refunds []wire.RefundView `json:"refunds"`
	}{Refunds: []wire.RefundView{}}
	for _, x := range list {
		out.Refunds = append(out.Refunds, wire.NewRefundView(x))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleTokenPayment(w http.ResponseWriter, r *http.Request) {
	var req wire.TokenPaymentRequest
	if err := decode(r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	p, created, err := s.storedCards.CreateTokenPayment(r.Context(), &req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.created(w, created, wire.NewPaymentView(p, nil))
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	sc, err := s.storedCards.RevokeStoredCard(r.Context(), r.PathValue("transactionIdentifier"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, struct {
		TransactionIdentifier string `json:"transactionIdentifier"`
		Status                string `json:"status"`
		RevokedAt             string `json:"revokedAt"`
	}{sc.TransactionIdentifier, sc.Status, wire.TimeString(sc.UpdatedAt)})
}

func (s *Server) handleListPayments(w http.ResponseWriter, r *http.Request) {
	v, err := wire.Query(r.URL.RawQuery)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, err := s.payments.List(r.Context(), &wire.PaymentListQuery{Status: v.Get("status"),
		PaymentMethodType: v.Get("paymentMethodType"), Currency: v.Get("currency"), CreatedFrom: v.Get("createdFrom"),
		CreatedTo: v.Get("createdTo"), OrderNo: v.Get("orderNo"), Last4: v.Get("last4"), Limit: v.Get("limit"),
		StartingAfter: v.Get("startingAfter")})
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.PaymentListView{Data: []wire.PaymentView{}, HasMore: list.Next != "", NextCursor: list.Next}
	for _, p := range list.Payments {
		out.Data = append(out.Data, wire.NewPaymentView(p, nil))
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) handleListRefunds(w http.ResponseWriter, r *http.Request) {
	v, err := wire.Query(r.URL.RawQuery)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, err := s.payments.ListRefunds(r.Context(), &wire.RefundListQuery{Status: v.Get("status"),
		Currency: v.Get("currency"), CreatedFrom: v.Get("createdFrom"), CreatedTo: v.Get("createdTo"),
		Limit: v.Get("limit"), StartingAfter: v.Get("startingAfter")})
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := wire.RefundListView{Data: []wire.RefundView{}, HasMore: list.Next != "", NextCursor: list.Next}
	for _, rf := range list.Refunds {
		out.Data = append(out.Data, wire.NewRefundView(rf))
	}
	s.json(w, http.StatusOK, out)
}
