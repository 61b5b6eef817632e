package gateway

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
)

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
// event's signature and age (the connector's own rule), refuses an event
// taken before (replay true, nothing changes), and records what it
// reports on the payment it names.
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
	if err := s.store.RecordConnectorEvent(ctx, name, u.EventID, s.now()); isCode(err, paygate.EConflict) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	if u.Kind != "payment" {
		return false, nil // refunds answer at once; other events tell nothing the gateway uses
	}
	return false, s.paymentEvent(context.WithoutCancel(ctx), lc, u)
}

// paymentEvent records a connector's word on a payment it holds without
// an outcome; on any other payment (already settled, or not this
// connector's) it changes nothing.
func (s *core) paymentEvent(ctx context.Context, lc *liveConnector, u acquirer.Update) error {
	ps, err := s.store.FindPayments(ctx, u.Reference, 10)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.TradeNo != u.Reference || p.Connector != lc.name || p.Wallet != nil ||
			(p.Status != paygate.StatusPending && p.Status != paygate.StatusRequiresAction) {
			continue
		}
		ctx := paygate.WithMerchantID(ctx, p.MerchantID)
		d, err := s.heldDraft(ctx, p)
		if err != nil {
			return err
		}
		if u.Result.Pending || u.Result.RedirectURL != "" {
			return nil // still waiting: the sweep asks again
		}
		a := paygate.ConnectorAttempt{Connector: lc.name, Outcome: outcomeOf(u.Result), Code: u.Result.Code, At: s.now()}
		d.attempts = append(p.Attempts, a)
		_, err = s.recordAuthorization(ctx, p, d, u.Result)
		return err
	}
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
