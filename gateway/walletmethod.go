package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"paygate"
)

// cashierProduct is the product type a method is paid with on the cashier
// page (the shopper is at a browser): PayPal's approval page, else the QR
// code; "" for methods the cashier page cannot offer.
func cashierProduct(m paygate.WalletMethod) string {
	switch {
	case m.Device:
		return "" // needs the browser's payment sheet and the merchant's certificates
	case m.Supports(paygate.ProductRedirect):
		return paygate.ProductRedirect
	case m.Supports(paygate.ProductQRCode):
		return paygate.ProductQRCode
	}
	return ""
}

// sessionMethods resolves a session request's paymentMethodTypes into the
// list the cashier page offers: card and the wallets given, or by default
// card and every wallet that takes the currency and the amount.
func (s *core) sessionMethods(c *checker, types []string, amount paygate.Money, manual bool) []string {
	if len(types) == 0 {
		out := []string{paygate.MethodCard}
		if s.wallets != nil && !manual { // wallets capture at once
			for _, m := range paygate.WalletMethods() {
				if cashierProduct(m) != "" && fitsMethod(m, amount, "", "") == nil {
					out = append(out, m.Type)
				}
			}
		}
		return out
	}
	if len(types) > 20 {
		c.fail("paymentMethodTypes", "paymentMethodTypes may hold at most 20 methods")
		return nil
	}
	var out []string
	for i, t := range types {
		param := fmt.Sprintf("paymentMethodTypes[%d]", i)
		if t != paygate.MethodCard {
			m, ok := paygate.LookupWalletMethod(t)
			switch {
			case !ok:
				c.fail(param, "%s must be one of %s", param, strings.Join(paygate.PaymentMethodTypes(), ", "))
			case s.wallets == nil:
				c.fail(param, "%s is not enabled on this gateway", t)
			case cashierProduct(m) == "":
				c.fail(param, "%s cannot be paid on the cashier page; use POST /v1/payments", t)
			case manual:
				c.fail(param, "%s captures at once: a session with captureMethod manual offers card only", t)
			default:
				if err := fitsMethod(m, amount, param, param); err != nil && c.err == nil {
					c.err = err
				}
			}
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// CheckoutMethods lists the wallet methods a session's cashier page offers
// besides card.
func (s *Checkout) CheckoutMethods(sess *paygate.Session, p *paygate.Payment) []paygate.WalletMethod {
	if s.wallets == nil || p.CaptureMethod == paygate.CaptureManual {
		return nil
	}
	var out []paygate.WalletMethod
	for _, t := range sess.PaymentMethodTypes {
		if m, ok := paygate.LookupWalletMethod(t); ok && cashierProduct(m) != "" && fitsMethod(m, p.Amount, "", "") == nil {
			out = append(out, m)
		}
	}
	return out
}

// ChooseMethod starts a wallet attempt on a session's cashier page: the
// earlier attempt, if any, is closed at its wallet, and a new order is
// opened (a QR code, or PayPal's approval page). Choosing the method of the
// open attempt again keeps it; choosing "card" only closes the attempt.
//
// Errors: not_found, invalid_state (session complete or expired),
// invalid_parameter (a method the session does not offer), conflict.
func (s *Checkout) ChooseMethod(ctx context.Context, sessionID, method string) (*paygate.Payment, error) {
	page, ctx, err := s.openSession(ctx, sessionID)
	if err != nil {
		return page.payment(), err
	}
	sess, p := page.Session, page.Payment
	if p.Status != paygate.StatusPending {
		return p, nil
	}
	if cardOut(p) { // a card attempt is in flight or waits for its connector (see Pay)
		return p, ErrInProgress
	}
	if method == paygate.MethodCard {
		return s.dropAttempt(ctx, p)
	}
	var m paygate.WalletMethod
	ok := false
	for _, x := range s.CheckoutMethods(sess, p) {
		if x.Type == method {
			m, ok = x, true
		}
	}
	if !ok {
		return p, paygate.InvalidParam("method", "this checkout does not offer %s", method)
	}
	if p.Wallet != nil && p.NextAction != nil && p.PaymentMethodType == method {
		return p, nil
	}
	if p, err = s.dropAttempt(ctx, p); err != nil {
		return p, err
	}
	if p.WalletAttempts >= maxWalletAttempts {
		return p, paygate.Errorf(paygate.EInvalidState, "this checkout has opened %d wallet attempts, the most it may", maxWalletAttempts)
	}
	// Number the attempt in a commit of its own before opening its order:
	// two tabs choosing at once then never open (or close) the same one.
	numbered := *p
	numbered.WalletAttempts++
	numbered.UpdatedAt = s.now()
	numbered.Version++
	if err := s.commit(ctx, paygate.Change{Payments: []*paygate.Payment{&numbered}}); err != nil {
		if isCode(err, paygate.EConflict) {
			return p, ErrInProgress
		}
		return nil, err
	}
	p = &numbered
	q := *p
	ref := attemptRefN(p.TradeNo, p.WalletAttempts)
	q.PaymentMethodType = method
	q.Wallet = &paygate.Wallet{ProductType: cashierProduct(m), Reference: ref}
	order, err := s.openOrder(ctx, &q, ref, q.Wallet.ProductType, "", sess.ExpiresAt)
	if err != nil {
		return p, paygate.Internal("wallet order", err)
	}
	now := s.now()
	q.AcquirerRef = order.WalletRef
	q.NextAction = s.walletAction(&q, ref, order)
	q.FailureCode, q.FailureMessage = "", ""
	q.UpdatedAt = now
	q.Version++
	if err := s.commit(ctx, paygate.Change{Payments: []*paygate.Payment{&q}}); err != nil {
		if _, cerr := s.wallets.CloseOrder(ctx, walletQuery(&q)); cerr != nil {
			s.log.WarnContext(ctx, "wallet close failed", "tradeNo", q.TradeNo, "err", cerr)
		}
		if isCode(err, paygate.EConflict) {
			return p, ErrInProgress
		}
		return nil, err
	}
	return &q, nil
}

// dropAttempt ends a cashier page's wallet attempt before the shopper pays
// another way: the order is closed at its wallet, then forgotten.
func (s *core) dropAttempt(ctx context.Context, p *paygate.Payment) (*paygate.Payment, error) {
	if p.Wallet == nil && p.PaymentMethodType == paygate.MethodCard {
		return p, nil
	}
	if p.Wallet != nil && p.NextAction != nil {
		if err := s.closeWallet(ctx, p); err != nil {
			return p, err
		}
	}
	q := *p
	q.Wallet, q.NextAction, q.AcquirerRef = nil, nil, ""
	q.PaymentMethodType = paygate.MethodCard
	q.UpdatedAt = s.now()
	q.Version++
	if err := s.commit(ctx, paygate.Change{Payments: []*paygate.Payment{&q}}); err != nil {
		if isCode(err, paygate.EConflict) {
			return p, ErrInProgress
		}
		return nil, err
	}
	return &q, nil
}

// attemptRefN names a cashier page's n-th wallet attempt: the tradeNo less
// its "T20" (still unique: the rest is the timestamp and random digits),
// "W" and n. At most 25 characters, so it fits whole in an EMVCo QR code's
// reference (field 62.01) and in every wallet's order id.
func attemptRefN(tradeNo string, n int) string {
	return fmt.Sprintf("%sW%d", tradeNo[min(3, len(tradeNo)):], n)
}

// maxWalletAttempts bounds the wallet attempts of one cashier page (the
// reference numbers them in at most four digits).
const maxWalletAttempts = 9999
