package gateway

import (
	"cmp"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
)

// forgetConnectorEvents is how long a connector's event id is kept to
// refuse a replay.
const forgetConnectorEvents = 30 * 24 * time.Hour

// returnToken names a payment in the address a connector sends the
// customer back to after its own 3-D Secure: the merchant and tradeNo with
// a MAC, so it cannot be guessed or forged.
func (s *core) returnToken(p *paygate.Payment) string {
	id := p.MerchantID + "|" + p.TradeNo
	return base64.RawURLEncoding.EncodeToString([]byte(id)) + "." + s.pageMAC("return|"+id)
}

// returnURL is where connector name sends the customer back.
func (s *core) returnURL(name string, p *paygate.Payment) string {
	return s.cfg.BaseURL + "/connectors/" + name + "/return/" + s.returnToken(p)
}

// ConnectorReturn takes a customer back from connector name's own 3-D
// Secure: it asks the connector for the payment's outcome at once and
// records it, and returns the payment for the page to send the customer
// on (to the merchant's frontUrl, the cashier, or the connector again).
//
// Errors: not_found.
func (s *Checkout) ConnectorReturn(ctx context.Context, name, token string) (*paygate.Payment, error) {
	body, mac, ok := strings.Cut(token, ".")
	raw, canonical := decodeToken(body)
	if !ok || !canonical || !hmac.Equal([]byte(mac), []byte(s.pageMAC("return|"+string(raw)))) {
		return nil, paygate.Errorf(paygate.ENotFound, "no such payment")
	}
	merchantID, tradeNo, _ := strings.Cut(string(raw), "|")
	p, err := s.store.Payment(ctx, merchantID, tradeNo)
	if err != nil || p.Connector != name {
		return nil, paygate.Errorf(paygate.ENotFound, "no such payment")
	}
	ctx = context.WithoutCancel(paygate.WithMerchantID(ctx, merchantID))
	if held, err := s.resolveHeld(ctx, p); !held || err != nil {
		return p, err
	}
	return s.store.Payment(ctx, merchantID, tradeNo)
}

// Webhook takes an event that connector name POSTed: it checks the
// event's signature and age (the connector's own rule), acts on what it
// reports, and notes its id: an event taken before is a replay (replay
// true) and changes nothing. The event is a prompt, not the truth: the
// gateway asks the connector for the payment it names (acquirer.Resolver),
// so an old event delivered late cannot undo a newer outcome.
//
// Errors: not_found (no such connector, or one that sends no events),
// invalid_parameter (the signature or age is refused: nothing changes).
func (s *Connectors) Webhook(ctx context.Context, name string, payload []byte, header http.Header) (replay bool, err error) {
	v, err := s.connectors(ctx)
	if err != nil {
		return false, err
	}
	lc := v.get(name)
	if lc == nil || lc.webhooks == nil {
		return false, paygate.Errorf(paygate.ENotFound, "no connector %q takes webhooks", name)
	}
	u, err := lc.webhooks.ParseWebhook(payload, header)
	if err != nil {
		s.log.WarnContext(ctx, "a connector's webhook was refused", "connector", name, "err", err)
		return false, paygate.InvalidParam("signature", "the event's signature or age is refused: %v", err)
	}
	if u.EventID == "" {
		return false, paygate.InvalidParam("id", "the event has no id")
	}
	if taken, err := s.store.ConnectorEventTaken(ctx, name, u.EventID); err != nil || taken {
		return taken, err
	}
	if u.Kind == "payment" {
		// Acting first and noting the id after: an event whose action
		// failed is taken again when the connector sends it again; two
		// deliveries at once may both act, which changes nothing more
		// (the connector is asked, and a give-back carries its own key).
		if err := s.paymentEvent(context.WithoutCancel(ctx), lc, u); err != nil {
			return false, err
		}
	}
	if err := s.store.RecordConnectorEvent(ctx, name, u.EventID, s.now()); isCode(err, paygate.EConflict) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	return false, nil
}

// paymentEvent acts on a connector's event about one of its payments: a
// payment it holds without an outcome is settled by asking the connector;
// a payment settled here without its money (cancelled, expired or failed)
// that the event says was approved is asked about too and, approved
// there, given back (void or refund). Refunds answer at once, so their
// events change nothing.
func (s *core) paymentEvent(ctx context.Context, lc *liveConnector, u acquirer.Update) error {
	ps, err := s.store.FindPayments(ctx, u.Reference, 10)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.TradeNo != u.Reference || p.Connector != lc.name || p.Wallet != nil {
			continue
		}
		ctx := paygate.WithMerchantID(ctx, p.MerchantID)
		if u.Attempt != p.CardAttempts {
			// An earlier card of the cashier page: the payment has moved on
			// to another, so an approval of this one is given back.
			if u.Result.Approved {
				return s.releaseLate(ctx, lc, p, u.AcquirerRef, u.Attempt)
			}
			return nil
		}
		if p.Status == paygate.StatusPending || p.Status == paygate.StatusRequiresAction {
			if p.ClaimedUntil != nil && p.ClaimedUntil.After(s.now()) {
				return nil // a call is out for it: its request records the outcome
			}
			// Held, or thought settled by a decline (an earlier card's error
			// read as the latest's): the connector says which.
			_, err := s.resolveAt(ctx, p)
			return err
		}
		if u.Result.Approved && lostApproval(p) {
			return s.releaseLate(ctx, lc, p, cmp.Or(p.AcquirerRef, u.AcquirerRef), p.CardAttempts)
		}
		return nil
	}
	return nil
}

// lostApproval reports whether a payment ended here without money moving
// (so an approval at the connector is money to give back).
func lostApproval(p *paygate.Payment) bool {
	return p.CapturedMinor == 0 && p.AuthorizedAt == nil &&
		(p.Status == paygate.StatusCancelled || p.Status == paygate.StatusExpired || p.Status == paygate.StatusFailed)
}

// releaseLate asks the connector about an authorization attempt of a
// payment that does not hold it (the payment ended here without money, or
// moved on to another card) and, if it was approved there after all, gives
// it back.
func (s *core) releaseLate(ctx context.Context, lc *liveConnector, p *paygate.Payment, ref string, attempt int) error {
	if lc.resolver == nil {
		return nil
	}
	if ref == "" && s.now().Sub(p.CreatedAt) > heldTooLong {
		return nil // asking without a reference could find a new PaymentIntent, not the payment's
	}
	res, err := lc.resolver.Resolve(ctx, acquirer.AuthorizeRequest{Reference: p.TradeNo, Amount: p.Amount,
		Capture: p.CaptureMethod == paygate.CaptureAuto, StatementDescriptor: p.BillingDesc, AcquirerRef: ref, Attempt: attempt})
	if err != nil || !res.Approved {
		return nil // not approved there, or not known: nothing to give back
	}
	s.log.WarnContext(ctx, "a connector approved a payment that had ended here; giving it back", "tradeNo", p.TradeNo,
		"connector", lc.name, "status", p.Status)
	s.giveBackLate(ctx, p, lc.name, res.AcquirerRef, attempt, p.CaptureMethod == paygate.CaptureAuto)
	return nil
}

// heldDraft is the draft that settles a held payment: its session, and the
// card sealed while the customer authenticated at the connector (to store
// it, or renew a stored card, once approved).
func (s *core) heldDraft(ctx context.Context, p *paygate.Payment) (*draft, error) {
	d := &draft{payment: p, actionTTL: s.cfg.ActionTTL}
	if p.SessionID != "" {
		var err error
		if d.session, err = s.store.Session(ctx, p.MerchantID, p.SessionID); err != nil {
			return nil, err
		}
		d.actionTTL = max(time.Minute, d.session.ExpiresAt.Sub(s.now()))
	}
	if p.PendingCard != nil {
		if _, err := s.openPendingCard(ctx, p, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}
