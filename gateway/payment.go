package gateway

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// draft is a validated create-payment request: the payment to store and what
// must reach the acquirer but never the store.
type draft struct {
	payment      *paygate.Payment
	card         acquirer.Card
	threeDsData  *paygate.ThreeDS
	actionTTL    time.Duration
	store        bool                // store the card in the vault if approved
	storeReason  string              // the series the stored card is for (billing.customerInitiatedReason)
	storedCard   *paygate.StoredCard // the stored card a token payment charges
	storedUpdate *paygate.StoredCard // its newer expiry, written if approved
	session      *paygate.Session    // the checkout session being paid, if any
	expiredCard  bool                // the stored card has expired: fail without the acquirer
	wallet       *walletDraft        // a wallet or QR payment (not a device wallet)
	deviceToken  string              // an Apple Pay or Google Pay token, opened before the payment is stored
	risk         *paygate.Risk       // the risk engine's decision, made before the acquirer is called
	review       bool                // the engine asks for 3-D Secure: a challenge, whatever the mode
	clientIP     string              // the shopper's address on the cashier page (the risk engine's)
	// afterChallenge marks the authorization after a 3-D Secure challenge:
	// the risk engine judged the payment before it.
	afterChallenge bool
	// attempts are the connectors tried for the authorization, written with
	// its outcome.
	attempts []paygate.ConnectorAttempt
	// requireThreeDS asks a connector that runs 3-D Secure itself to
	// authenticate the customer (mode standard, or a risk review).
	requireThreeDS bool
}

// CreatePayment creates a payment: card, wallet or QR. It answers created=false with the
// stored payment when the orderNo was used before with the same body, and
// duplicate_order_no when with another. Concurrent identical calls create one
// payment: the orderNo is unique per merchant, the first insert wins, and the
// others wait for its outcome.
//
// Errors: invalid_parameter, duplicate_order_no, internal_error.
func (s *Payments) CreatePayment(ctx context.Context, req *wire.CreatePaymentRequest) (*paygate.Payment, bool, error) {
	merchantID := paygate.MerchantID(ctx)
	now := s.now()
	var err error
	if req.Metadata, err = req.Metadata.Or(req.Matedata); err != nil {
		return nil, false, err
	}
	req.Matedata = nil
	d, err := s.validateCreate(req, now)
	if err != nil {
		return nil, false, err
	}
	d.payment.MerchantID = merchantID
	d.payment.RequestHash = s.requestHash(req)
	if err := s.openDeviceToken(ctx, d); err != nil {
		return nil, false, err
	}
	return s.createAndAuthorize(ctx, d)
}

// createAndAuthorize stores the draft's payment PENDING (the orderNo's first
// request wins; others replay it), then authorizes it.
func (s *core) createAndAuthorize(ctx context.Context, d *draft) (*paygate.Payment, bool, error) {
	p := d.payment
	now := s.now()
	// Insert first: a new orderNo (the usual case) costs no read; a taken
	// one fails the insert and is looked up.
	var replay *paygate.Payment
	_, err := retryStale(ctx, "order "+p.OrderNo, func() (struct{}, error) {
		p.TradeNo = newID("T", now, 8)
		p.Status = paygate.StatusPending
		p.Version = 1
		p.CreatedAt, p.UpdatedAt = now, now
		exp := now.Add(s.cfg.PendingTTL)
		p.ExpiresAt = &exp
		if d.wallet == nil && p.Card != nil {
			if err := s.chooseConnector(ctx, p); err != nil {
				return struct{}{}, err
			}
			// The authorization's call is out from here: claimed, as on the
			// cashier page, so a connector's event about the payment meanwhile
			// leaves it to the call, and a stopped node leaves a claim that
			// runs out (held).
			claim := now.Add(cashierClaim)
			p.ClaimedUntil = &claim
			if p.ExpiresAt.Before(claim) {
				p.ExpiresAt = &claim // never expired under its own call
			}
		}
		err := s.commitFresh(ctx, paygate.Change{Payments: []*paygate.Payment{p},
			Events: []paygate.Event{p.Created(paygate.RequestID(ctx))}}, func() (err error) {
			// The orderNo is taken (or, rarely, the tradeNo): replay the stored one.
			replay, err = s.store.PaymentByOrderNo(ctx, p.MerchantID, p.OrderNo)
			if isCode(err, paygate.ENotFound) {
				return nil // the tradeNo then: try another
			}
			return err
		})
		if err == errStale && replay != nil {
			return struct{}{}, nil
		}
		return struct{}{}, err
	})
	if err != nil {
		return nil, false, err
	}
	if replay != nil {
		p, err := s.replayPayment(ctx, replay, p.RequestHash)
		return p, false, err
	}
	if d.expiredCard {
		p, err := s.decline(ctx, p, d, "expired_card", "The stored card has expired; ask the customer for its new expiry date.", nil)
		return p, true, err
	}
	if d.wallet != nil {
		p, err := s.startWallet(ctx, p, d)
		return p, true, err
	}
	p, err = s.authorize(ctx, p, d)
	return p, true, err
}

// replayPayment answers a repeated create: the same body gets the stored
// payment, once the first request has its answer from the acquirer.
func (s *core) replayPayment(ctx context.Context, p *paygate.Payment, hash string) (*paygate.Payment, error) {
	if err := sameRequest(p.RequestHash, hash, paygate.EDuplicateOrderNo, "orderNo %s", p.OrderNo); err != nil {
		return nil, err
	}
	deadline := s.cfg.Now().Add(s.cfg.ReplayWait)
	for p.Status == paygate.StatusPending && p.Card != nil && s.cfg.Now().Before(deadline) {
		if err := wait(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
		q, err := s.store.Payment(ctx, p.MerchantID, p.TradeNo)
		if err != nil {
			return nil, err
		}
		p = q
	}
	return p, nil
}

// authorize runs 3-D Secure and the authorization for a PENDING payment (or
// one whose challenge just passed) and records the outcome. The acquirer is
// called with no transaction open.
func (s *core) authorize(ctx context.Context, p *paygate.Payment, d *draft) (*paygate.Payment, error) {
	// From the acquirer call on, the outcome must be recorded even if the
	// client goes away: money may have moved.
	ctx = context.WithoutCancel(ctx)
	if done, err := s.screenCard(ctx, p, d); done != nil || err != nil {
		return done, err
	}
	three, done, err := s.authenticate(ctx, p, d)
	if done != nil || err != nil {
		return done, err
	}
	req := acquirer.AuthorizeRequest{
		Reference: p.TradeNo, Attempt: p.CardAttempts, Amount: p.Amount, Card: d.card,
		Capture: p.CaptureMethod == paygate.CaptureAuto, ThreeDS: three,
		FraudScreen: p.FraudMode.Screens(), Initiator: "customer",
		StatementDescriptor: p.BillingDesc, Device: deviceOf(p), RequireThreeDS: d.requireThreeDS}
	if sc := p.StoredCredential; sc != nil && sc.Initiator == "merchant" {
		req.Initiator = "merchant"
		req.PreviousSchemeTransactionID = d.storedCard.SchemeTransactionID
	}
	res, p, written, err := s.authorizeRouted(ctx, p, d, req)
	if written || err != nil {
		return p, err
	}
	return s.recordAuthorization(ctx, p, d, res)
}

// recordAuthorization writes a connector's answer to an authorization:
// approved (SUCCEEDED, or AUTHORIZED for a manual capture), declined, or
// not yet known (pending, or the customer sent to the connector's own
// 3-D Secure).
func (s *core) recordAuthorization(ctx context.Context, p *paygate.Payment, d *draft, res acquirer.Result) (*paygate.Payment, error) {
	switch {
	case res.Pending:
		return s.awaitConnector(ctx, p, d, res, nil)
	case res.RedirectURL != "":
		return s.awaitConnector(ctx, p, d, res, &paygate.NextAction{Type: "redirect", URL: res.RedirectURL})
	case !res.Approved:
		return s.decline(ctx, p, d, res.Code, res.Message, cmp.Or(res.Risk, d.risk, p.Risk))
	}
	return s.recordApproval(ctx, p, d, res)
}

// recordApproval records a connector's approval of the payment's
// authorization, only while the payment is as read. When more became known
// of the same card meanwhile (its unknown or pending answer written, a
// question's answer), it records on the fresh copy. When the payment does
// not hold this approval (it ended meanwhile, moved on to another card, or
// holds another approval), the connector that gave it releases it. A
// payment still open on the same card is never given back: if the
// approval cannot be written now, the sweep asks again and records it.
func (s *core) recordApproval(ctx context.Context, p *paygate.Payment, d *draft, res acquirer.Result) (*paygate.Payment, error) {
	to := paygate.StatusSucceeded
	if p.CaptureMethod == paygate.CaptureManual {
		to = paygate.StatusAuthorized
	}
	set := func(p *paygate.Payment, now time.Time) {
		d.recordAttempts(p)
		p.AcquirerRef, p.AuthCode = res.AcquirerRef, res.AuthCode
		if p.Risk == nil || d.risk != nil { // a decision made before a challenge stays
			p.Risk = cmp.Or(d.risk, res.Risk)
		}
		p.SchemeTransactionID = res.SchemeTransactionID
		p.AuthorizedAt = &now
		p.ExpiresAt = nil
		p.FailureCode, p.FailureMessage = "", ""
		p.NextAction, p.PendingCard, p.ClaimedUntil = nil, nil, nil
		if to == paygate.StatusAuthorized {
			exp := now.Add(s.cfg.AuthorizationTTL)
			p.ExpiresAt = &exp
		} else {
			p.CapturedMinor = p.Amount.Minor
		}
	}
	stored, session := s.storedCardWrite(ctx, d), s.completeSession(ctx, d)
	card, connector := p.CardAttempts, p.Connector
	q, err := s.recordHeld(ctx, p, to, set, stored, session)
	for range 3 {
		if err != nil || q.AuthorizedAt != nil || !q.Status.Open() || q.CardAttempts != card {
			break
		}
		// The same card, more known of it meanwhile: record on that.
		if n := len(d.attempts); n > 0 {
			d.attempts = append(slices.Clone(q.Attempts), d.attempts[n-1])
		}
		q, err = s.recordHeld(ctx, q, to, set, stored, session)
	}
	if err != nil {
		return q, err
	}
	holds := q.AuthorizedAt != nil && q.AcquirerRef == res.AcquirerRef
	if !holds && (!q.Status.Open() || q.CardAttempts != card || q.AuthorizedAt != nil) {
		s.giveBackLate(ctx, p, connector, res.AcquirerRef, card, p.CaptureMethod == paygate.CaptureAuto)
	}
	return q, nil
}

// authenticate runs 3-D Secure unless the merchant authenticated the card
// itself or the mode is off, and returns the result to authorize with. A
// payment that ends here (a challenge to answer, a failed authentication)
// is returned as done.
func (s *core) authenticate(ctx context.Context, p *paygate.Payment, d *draft) (three *paygate.ThreeDS, done *paygate.Payment, err error) {
	mode := p.ThreeDS.Mode
	three = d.threeDsData
	if three != nil && mode == paygate.ThreeDSStandard && (three.AuthenticationResultCode == "N" || three.AuthenticationResultCode == "R") {
		// The merchant's own authentication failed (N) or the issuer
		// refused it (R): standard mode does not authorize unauthenticated.
		done, err := s.decline(ctx, p, d, codeAuthFailed, "3-D Secure authentication failed (threeDsData.authenticationResultCode "+
			three.AuthenticationResultCode+"); ask the customer for another card.", nil)
		return nil, done, err
	}
	if three == nil && mode != paygate.ThreeDSOff {
		asked := mode
		if d.review { // the risk engine asks for a challenge
			asked = paygate.ThreeDSStandard
		}
		lc, err := s.connectorFor(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		if lc.ownThreeDS {
			// The connector authenticates inside the authorization, and
			// sends the customer to its challenge if there is one.
			d.requireThreeDS = asked == paygate.ThreeDSStandard
			return nil, nil, nil
		}
		ar, err := lc.acq.Authenticate(ctx, acquirer.AuthenticateRequest{
			Reference: p.TradeNo, Amount: p.Amount, Card: d.card, Mode: asked, Device: deviceOf(p)})
		if err != nil {
			done, err := s.decline(ctx, p, d, "processing_error", "3-D Secure authentication could not be performed; it is safe to retry.", nil)
			return nil, done, err
		}
		if ar.ChallengeRequired {
			done, err := s.requireChallenge(ctx, p, d)
			return nil, done, err
		}
		three = ar.ThreeDS
		if d.review && !passed(three) { // the risk engine asked for an authentication that passed
			done, err := s.decline(ctx, p, d, codeFraud,
				"Risk screening asks for 3-D Secure, and the authentication did not pass; the payment is declined.", d.risk)
			return nil, done, err
		}
	}
	if three != nil {
		three.Mode = mode
		p.ThreeDS = three
	}
	return three, nil, nil
}

// MaxCardAttempts is the most cards a checkout's cashier page tries.
const MaxCardAttempts = 5

// passed reports whether a 3-D Secure result is a passed authentication.
func passed(t *paygate.ThreeDS) bool {
	return t != nil && (t.LiabilityShift || t.AuthenticationResultCode == "Y" || t.AuthenticationResultCode == "A")
}

// storedCardWrite is what an approval writes of the stored card, in the
// payment's commit: the new stored card, or the renewed expiry of the one
// used; nil for neither.
func (s *core) storedCardWrite(ctx context.Context, d *draft) func(*paygate.Payment, *paygate.Change) {
	if d.store {
		return func(q *paygate.Payment, c *paygate.Change) {
			sc := s.newStoredCard(q, d)
			q.TransactionIdentifier = sc.TransactionIdentifier
			q.StoredCredential = &paygate.StoredCredential{TransactionIdentifier: sc.TransactionIdentifier,
				Initiator: "customer", Stored: true, Reason: d.storeReason}
			c.StoredCards = append(c.StoredCards, sc)
		}
	}
	if d.storedUpdate == nil {
		return nil
	}
	update, retry := d.storedUpdate, false
	return func(_ *paygate.Payment, c *paygate.Change) {
		if retry && update != nil {
			// The conflict may have come from the stored card (another
			// payment renewed it, a revoke, a rekey): build the update
			// again on the current copy, or drop it if nothing is left
			// to update. The payment's outcome is recorded either way.
			update = s.renewedCard(ctx, update)
		}
		retry = true
		if update != nil {
			c.StoredCards = append(c.StoredCards, update)
		}
	}
}

// giveBackLate releases an approval that came after the payment was
// cancelled or expired: a void of the hold or, when it was captured, a
// refund. A failure is logged for an operator; the payment's outcome stands.
func (s *core) giveBackLate(ctx context.Context, p *paygate.Payment, connector, acquirerRef string, attempt int, captured bool) {
	var back acquirer.Result
	lc, err := s.connectorFor(ctx, &paygate.Payment{TradeNo: p.TradeNo, Connector: connector})
	switch {
	case err != nil:
	case captured:
		reference := p.TradeNo + "-late" // each attempt's approval is its own refund
		if attempt > 0 {
			reference += "-" + strconv.Itoa(attempt)
		}
		back, err = lc.acq.Refund(ctx, acquirerRef, reference, p.Amount)
	default:
		back, err = lc.acq.Void(ctx, acquirerRef)
	}
	if err == nil && !back.Approved {
		err = fmt.Errorf("the acquirer refused it: %s %s", back.Code, back.Message)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "releasing a late approval failed", "tradeNo", p.TradeNo, "err", err)
	}
}

// decline records a refusal. A cashier-page payment that was never
// challenged stays PENDING with the reason, so the customer can try another
// card while the session is open; any other payment FAILS (and its session
// is over).
func (s *core) decline(ctx context.Context, p *paygate.Payment, d *draft, code, msg string, risk *paygate.Risk) (*paygate.Payment, error) {
	// On the cashier page a decline leaves the checkout open for another
	// card, up to the last card allowed: then it fails and ends the checkout
	// (a session is no place to try cards one after the other).
	if d != nil && d.session != nil && p.Status == paygate.StatusPending && p.CardAttempts < MaxCardAttempts {
		// Only while the payment is as read: an approval recorded meanwhile
		// (a connector's event) stands.
		return s.updateHeld(ctx, p, func(p *paygate.Payment, _ time.Time) {
			d.recordAttempts(p)
			p.FailureCode, p.FailureMessage, p.Risk = code, msg, cmp.Or(risk, p.Risk)
			p.ClaimedUntil = nil
			exp := d.session.ExpiresAt // the page waits for another card until the session ends
			p.ExpiresAt = &exp
		})
	}
	// Only while the payment is as read: a failover or another answer
	// meanwhile wins over a decline that was read before it.
	return s.recordHeld(ctx, p, paygate.StatusFailed, func(p *paygate.Payment, _ time.Time) {
		// A decision made before (a review before a challenge) stays when
		// the failure brings none.
		d.recordAttempts(p)
		p.FailureCode, p.FailureMessage, p.Risk = code, msg, cmp.Or(risk, p.Risk)
		p.ExpiresAt = nil
		p.NextAction = nil
		p.PendingCard = nil
		p.ClaimedUntil = nil
	}, s.completeSession(ctx, d))
}

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	return b
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func trimJoin(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

// zeroAmount reports whether v is a plain zero: "0", "0.00".
func zeroAmount(v string) bool {
	whole, frac, _ := strings.Cut(v, ".")
	return whole != "" && strings.Trim(whole, "0") == "" && strings.Trim(frac, "0") == ""
}

// deviceOf reads the deviceInfo a payment keeps (as the merchant sent it,
// already validated) into what the acquirer is told; empty for none.
func deviceOf(p *paygate.Payment) acquirer.Device {
	var d wire.DeviceInfo
	if len(p.DeviceInfo) == 0 || json.Unmarshal(p.DeviceInfo, &d) != nil {
		return acquirer.Device{}
	}
	out := acquirer.Device{IP: d.ClientIP, Language: d.Language, DeviceID: d.DeviceID}
	if b := d.Browser; b != nil {
		out.UserAgent, out.AcceptHeader, out.TimeZone = b.UserAgent, b.AcceptHeader, b.TimeZone
	}
	return out
}
