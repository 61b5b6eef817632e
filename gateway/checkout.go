package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"paygate"
	"paygate/acquirer"
	"paygate/card"
	"paygate/wire"
)

// CheckoutURL is where the customer pays a session.
func (s *Checkout) CheckoutURL(sessionID string) string {
	return s.cfg.BaseURL + "/checkout/" + sessionID
}

// CreateSession creates a hosted checkout session and its PENDING payment in
// one commit. The orderNo rules of payments hold: the same body replays the
// stored session (created=false), another body is duplicate_order_no.
//
// Errors: invalid_parameter, duplicate_order_no.
func (s *Checkout) CreateSession(ctx context.Context, req *wire.SessionRequest) (*paygate.Session, *paygate.Payment, bool, error) {
	merchantID := paygate.MerchantID(ctx)
	req.Metadata, req.Matedata = req.Metadata.Or(req.Matedata), nil
	o, err := s.validateSession(req)
	if err != nil {
		return nil, nil, false, err
	}
	hash := s.requestHash(req)
	now := s.now()
	type created struct {
		sess  *paygate.Session
		p     *paygate.Payment
		isNew bool
	}
	out, err := retryStale(ctx, "order "+req.OrderNo, func() (created, error) {
		if existing, err := s.store.PaymentByOrderNo(ctx, merchantID, req.OrderNo); err == nil {
			if existing.SessionID == "" { // a payment's orderNo, not a session's
				existing.RequestHash = ""
			}
			if err := sameRequest(existing.RequestHash, hash, paygate.EDuplicateOrderNo, "orderNo %s", req.OrderNo); err != nil {
				return created{}, err
			}
			sess, err := s.store.Session(ctx, merchantID, existing.SessionID)
			return created{sess, existing, false}, err
		} else if !isCode(err, paygate.ENotFound) {
			return created{}, err
		}
		expires := now.Add(o.ttl)
		p := &paygate.Payment{
			TradeNo: newID("T", now, 8), MerchantID: merchantID, OrderNo: req.OrderNo, Status: paygate.StatusPending,
			Version: 1, Amount: o.amount, PaymentMethodType: paygate.MethodCard,
			CaptureMethod: o.capture, Description: req.Description,
			FraudMode: o.fraud, NotificationURL: req.NotificationURL, FrontURL: req.FrontURL,
			ThreeDS:  &paygate.ThreeDS{Mode: o.threeDS},
			Shipping: rawJSON(req.Shipping), ProductInfo: rawJSON(req.ProductInfo), Metadata: rawJSON(req.Metadata),
			RequestHash: hash, CreatedAt: now, UpdatedAt: now, ExpiresAt: &expires,
		}
		sess := &paygate.Session{SessionID: "cs_" + strings.ToLower(randomHex(16)), MerchantID: merchantID,
			TradeNo: p.TradeNo, OrderNo: p.OrderNo, Status: paygate.SessionOpen, Version: 1,
			LinkMode: orDefault(req.LinkMode, "session"), FrontURL: req.FrontURL, ExpiresAt: expires,
			CreatedAt: now, UpdatedAt: now, PaymentMethodTypes: o.methods}
		sess.CheckoutURL = s.CheckoutURL(sess.SessionID)
		p.SessionID = sess.SessionID
		reqID := paygate.RequestID(ctx)
		// A conflict is the orderNo taken meanwhile: the next try replays it.
		if err := s.commitFresh(ctx, paygate.Change{Payments: []*paygate.Payment{p}, Sessions: []*paygate.Session{sess},
			Events: []paygate.Event{p.Created(reqID), sess.Created(reqID)}}, nil); err != nil {
			return created{}, err
		}
		return created{sess, p, true}, nil
	})
	return out.sess, out.p, out.isNew, err
}

// sessionParts are a session request's values, validated.
type sessionParts struct {
	amount  paygate.Money
	capture paygate.CaptureMethod
	fraud   paygate.FraudMode
	threeDS paygate.ThreeDSMode
	ttl     time.Duration
	methods []string
}

// validateSession checks a session request.
func (s *Checkout) validateSession(req *wire.SessionRequest) (sessionParts, error) {
	var c checker
	c.reference("orderNo", req.OrderNo)
	if c.required("currency", req.Currency) {
		if _, err := paygate.ParseCurrency(req.Currency); err != nil {
			c.fail("currency", "currency %s", err.Error())
		}
	}
	if c.err != nil {
		return sessionParts{}, c.err
	}
	var o sessionParts
	var perr *paygate.Error
	if o.amount, perr = amountParam("amount", req.Amount, req.Currency); perr != nil {
		return sessionParts{}, perr
	}
	o.capture = c.capture("captureMethod", req.CaptureMethod)
	c.length("description", req.Description, 1, 25)
	o.ttl = 30 * time.Minute
	if req.ExpiryTime != "" {
		n, err := strconv.Atoi(req.ExpiryTime)
		if err != nil || n < 30 || n > 120 || req.ExpiryTime[0] == '+' {
			c.fail("expiryTime", "expiryTime must be a whole number of minutes from 30 to 120")
		}
		o.ttl = time.Duration(n) * time.Minute
	}
	o.fraud = c.fraud("fraudMode", req.FraudMode)
	c.url("frontUrl", req.FrontURL, 128)
	c.oneOf("linkMode", req.LinkMode, "session")
	s.checkNotifyURL(&c, "notificationUrl", req.NotificationURL)
	o.threeDS = c.threeDS("threeDsMode", req.ThreeDsMode)
	c.shipping(req.Shipping)
	c.products(req.ProductInfo, req.Currency)
	c.metadata("metadata", req.Metadata)
	o.methods = s.sessionMethods(&c, req.PaymentMethodTypes, o.amount, o.capture == paygate.CaptureManual)
	if c.err != nil {
		return sessionParts{}, c.err
	}
	return o, nil
}

// Session returns a merchant's session with its payment.
//
// Errors: not_found.
func (s *Checkout) Session(ctx context.Context, sessionID string) (*paygate.Session, *paygate.Payment, error) {
	merchantID := paygate.MerchantID(ctx)
	sess, err := s.store.Session(ctx, merchantID, sessionID)
	if err != nil {
		return nil, nil, notFound(err, "session", sessionID)
	}
	p, err := s.store.Payment(ctx, merchantID, sess.TradeNo)
	return sess, p, err
}

// completeSession returns the addition to a payment's final commit that
// closes its checkout session, if it has one.
func (s *core) completeSession(ctx context.Context, d *draft) func(*paygate.Payment, *paygate.Change) {
	if d == nil || d.session == nil {
		return nil
	}
	cur, retry := d.session, false
	return func(q *paygate.Payment, c *paygate.Change) {
		if retry {
			// The conflict may have come from the session (the sweep
			// expired it, another attempt changed it): use it as it is now.
			fresh, err := s.store.Session(ctx, cur.MerchantID, cur.SessionID)
			if err != nil {
				return // the payment's own change still stands
			}
			cur = fresh
		}
		retry = true
		sess := *cur
		ev, err := sess.Transition(paygate.SessionComplete, q.UpdatedAt, c.Events[0].RequestID)
		if err != nil {
			return // already closed; the payment's own change still stands
		}
		sess.Version++
		c.Sessions = append(c.Sessions, &sess)
		c.Events = append(c.Events, ev)
	}
}

// expireSession is an extra for record: the payment's checkout session, if
// it is still open, ends EXPIRED in the same commit (a payment cancelled by
// the merchant closes its cashier page at once, as Stripe's "expire a
// session" does).
func (s *core) expireSession(ctx context.Context, p *paygate.Payment) func(*paygate.Payment, *paygate.Change) {
	if p.SessionID == "" {
		return nil
	}
	return func(q *paygate.Payment, c *paygate.Change) {
		sess, err := s.store.Session(ctx, q.MerchantID, q.SessionID)
		if err != nil {
			return // the payment's own change still stands; the sweep closes the session
		}
		ev, err := sess.Transition(paygate.SessionExpired, q.UpdatedAt, c.Events[0].RequestID)
		if err != nil {
			return // already closed
		}
		sess.Version++
		c.Sessions = append(c.Sessions, sess)
		c.Events = append(c.Events, ev)
	}
}

// CheckoutPage is what the cashier page shows.
type CheckoutPage struct {
	Session      *paygate.Session
	Payment      *paygate.Payment
	MerchantName string
	Expired      bool // past its deadline, even if the sweep has not run yet
}

// CheckoutPage loads a session for its page by the unguessable session id.
//
// Errors: not_found.
func (s *Checkout) CheckoutPage(ctx context.Context, sessionID string) (*CheckoutPage, error) {
	sess, err := s.store.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, notFound(err, "session", sessionID)
	}
	p, err := s.store.Payment(ctx, sess.MerchantID, sess.TradeNo)
	if err != nil {
		return nil, err
	}
	m, err := s.store.Merchant(ctx, sess.MerchantID)
	if err != nil {
		return nil, err
	}
	return &CheckoutPage{Session: sess, Payment: p, MerchantName: m.Name,
		Expired: sess.Status == paygate.SessionExpired || !s.now().Before(sess.ExpiresAt)}, nil
}

// CardForm is what the cashier page posts.
type CardForm struct {
	CardNo, ExpiryMonth, ExpiryYear, CVC, HolderName string
}

// ErrInProgress says another attempt on the session is being processed.
var ErrInProgress = paygate.Errorf(paygate.EConflict, "a payment attempt is already in progress")

// Pay pays a session's payment with a card from the cashier page. One
// attempt at a time: the payment is claimed (compare-and-set) before the
// acquirer is called, so a double post or a second tab never charges twice.
// A decline leaves the session open for another card.
//
// Errors: not_found, invalid_state (session complete or expired),
// invalid_parameter (card fields), conflict (another attempt in progress).
func (s *Checkout) Pay(ctx context.Context, sessionID string, f CardForm) (*paygate.Payment, error) {
	page, err := s.CheckoutPage(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	sess, p := page.Session, page.Payment
	if page.Expired || sess.Status != paygate.SessionOpen {
		return p, paygate.Errorf(paygate.EInvalidState, "the checkout session is %s", strings.ToLower(string(orStatus(sess, page.Expired))))
	}
	ctx = paygate.WithMerchantID(ctx, sess.MerchantID)
	now := s.now()
	if p.Status != paygate.StatusPending {
		return p, nil // already paid, failed or waiting for the challenge
	}
	if p.ClaimedUntil != nil {
		// An attempt is at the acquirer, or went there and its outcome is
		// unknown (no answer, a crash): never start a second one, even
		// after the claim's minute, or the card could be charged twice. A
		// decline clears the claim; an unknown outcome waits for the sweep.
		return p, ErrInProgress
	}
	if p, err = s.dropAttempt(ctx, p); err != nil { // a wallet attempt on the page is closed first
		return p, err
	}
	f.CardNo = strings.ReplaceAll(strings.ReplaceAll(f.CardNo, " ", ""), "-", "")
	brand, err := card.CheckNumber(f.CardNo)
	if err != nil {
		return p, cardProblemAt("", err)
	}
	month, year, err := card.CheckExpiry(f.ExpiryMonth, f.ExpiryYear, now)
	if err != nil {
		return p, cardProblemAt("", err)
	}
	if err := card.CheckCVC(f.CVC, brand); err != nil {
		return p, cardProblemAt("", err)
	}
	holder := strings.TrimSpace(f.HolderName)
	if len([]rune(holder)) > 128 || !utf8.ValidString(holder) || hasControl(holder) {
		return p, paygate.InvalidParam("holderName", "holderName must be at most 128 characters of text")
	}
	q := *p
	until := now.Add(time.Minute)
	q.ClaimedUntil = &until
	q.Card = &paygate.CardDetails{Brand: string(brand), BIN: card.BIN(f.CardNo), Last4: card.Last4(f.CardNo),
		ExpiryMonth: month, ExpiryYear: year, HolderName: holder, Fingerprint: s.vault.Fingerprint(f.CardNo)}
	q.FailureCode, q.FailureMessage = "", ""
	q.UpdatedAt = now
	q.Version++
	if err := s.store.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&q}}); err != nil {
		if isCode(err, paygate.EConflict) {
			return p, ErrInProgress
		}
		return nil, err
	}
	d := &draft{payment: &q, session: sess, actionTTL: sess.ExpiresAt.Sub(now),
		card: acquirer.Card{Number: f.CardNo, CVC: f.CVC, ExpiryMonth: month, ExpiryYear: year, HolderName: holder, Brand: string(brand)}}
	return s.authorize(ctx, &q, d)
}

func orStatus(sess *paygate.Session, expired bool) paygate.SessionStatus {
	if expired && sess.Status == paygate.SessionOpen {
		return paygate.SessionExpired
	}
	return sess.Status
}

// requireChallenge parks the payment in REQUIRES_ACTION while the customer
// answers the 3-D Secure challenge. The card is sealed by the vault for the
// authorization that follows (never the CVC: the challenge authenticates the
// cardholder instead) and erased once the payment moves on.
func (s *core) requireChallenge(ctx context.Context, p *paygate.Payment, d *draft) (*paygate.Payment, error) {
	var renew *paygate.StoredCard
	if d.storedUpdate != nil {
		r := *d.storedUpdate
		r.Sealed = nil
		renew = &r
	}
	plain, _ := json.Marshal(pendingCard{PAN: d.card.Number, Month: d.card.ExpiryMonth, Year: d.card.ExpiryYear,
		Holder: d.card.HolderName, Brand: d.card.Brand, Store: d.store, Renew: renew})
	sealed, err := s.vault.Seal(plain, []byte("pending-card/"+p.TradeNo))
	if err != nil {
		return nil, paygate.Internal("challenge", err)
	}
	return s.record(ctx, p, paygate.StatusRequiresAction, func(q *paygate.Payment, now time.Time) {
		q.PendingCard = sealed
		q.ClaimedUntil = nil
		q.NextAction = &paygate.NextAction{Type: "redirect", URL: s.cfg.BaseURL + "/3ds/" + s.challengeToken(q)}
		exp := now.Add(d.actionTTL)
		q.ExpiresAt = &exp
	})
}

type pendingCard struct {
	PAN    string `json:"pan"`
	Month  int    `json:"month"`
	Year   int    `json:"year"`
	Holder string `json:"holder,omitempty"`
	Brand  string `json:"brand"`
	// What the authorization after the challenge must still do with the
	// card: store it, or renew a stored card's expiry.
	Store bool                `json:"store,omitempty"`
	Renew *paygate.StoredCard `json:"renew,omitempty"` // the stored card's new expiry (without its sealed data)
}

// challengeToken names a payment's challenge in its URL: the merchant and
// tradeNo with a MAC, so it cannot be guessed or forged.
func (s *core) challengeToken(p *paygate.Payment) string {
	id := p.MerchantID + "|" + p.TradeNo
	return base64.RawURLEncoding.EncodeToString([]byte(id)) + "." + s.pageMAC("3ds|"+id)
}

// pageMAC is a short MAC under the token key, for page links and CSRF tokens.
func (s *core) pageMAC(msg string) string {
	h := hmac.New(sha256.New, s.vault.TokenKey())
	h.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// CSRFToken is the token the cashier page's form carries: bound to the
// session, unknowable to another site.
func (s *Checkout) CSRFToken(sessionID string) string { return s.pageMAC("csrf|" + sessionID) }

// CheckCSRF reports whether token is the session's CSRF token.
func (s *Checkout) CheckCSRF(sessionID, token string) bool {
	return hmac.Equal([]byte(token), []byte(s.CSRFToken(sessionID)))
}

// Challenge is what the sandbox ACS page shows.
type Challenge struct {
	Payment      *paygate.Payment
	Session      *paygate.Session // nil for a direct API payment
	MerchantName string
	Code         string // the ACS's hint about the one-time code (the sandbox shows it)
	// TriesLeft is how many wrong codes the page still takes; the last one
	// fails the authentication.
	TriesLeft int
}

// ChallengeCodeTries is how many wrong one-time codes a challenge takes: the
// last of them fails the authentication, as an issuer's ACS ends a challenge
// after a few wrong codes, so that the code cannot be guessed.
const ChallengeCodeTries = 5

// An abandoned challenge: the payment ends EXPIRED with this reason.
const (
	codeAbandoned = "authentication_abandoned"
	msgAbandoned  = "The 3-D Secure challenge was not answered in time."
)

// A failed challenge: the payment ends FAILED with this code, and one of
// these reasons.
const (
	codeAuthFailed = "authentication_failed"
	msgAuthFailed  = "The cardholder did not complete 3-D Secure authentication."
	msgWrongCodes  = "The one-time code of the 3-D Secure challenge was entered wrong too many times."
)

// ChallengePage loads the challenge a token names.
//
// Errors: not_found.
func (s *Checkout) ChallengePage(ctx context.Context, token string) (*Challenge, error) {
	body, mac, ok := strings.Cut(token, ".")
	raw, canonical := decodeToken(body)
	if !ok || !canonical || !hmac.Equal([]byte(mac), []byte(s.pageMAC("3ds|"+string(raw)))) {
		return nil, paygate.Errorf(paygate.ENotFound, "no such challenge")
	}
	merchantID, tradeNo, _ := strings.Cut(string(raw), "|")
	p, err := s.store.Payment(ctx, merchantID, tradeNo)
	if err != nil {
		return nil, notFound(err, "challenge", "")
	}
	m, err := s.store.Merchant(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	ch := &Challenge{Payment: p, MerchantName: m.Name, TriesLeft: max(0, ChallengeCodeTries-p.WrongChallengeCodes)}
	if acs, ok := s.acquirer.(acquirer.ACS); ok {
		ch.Code = acs.ChallengeHint(p.TradeNo)
	}
	if p.SessionID != "" {
		if ch.Session, err = s.store.Session(ctx, merchantID, p.SessionID); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

// CompleteChallenge takes the customer's answer on the ACS page: with the
// right code the payment goes on to authorization; "fail" ends it FAILED
// authentication_failed; an answer after the challenge ran out ends it
// EXPIRED authentication_abandoned, as the sweep would. Answering an already
// answered challenge changes nothing.
//
// A wrong code is counted on the payment and answered invalid_parameter
// with the payment as it is now (Challenge.TriesLeft says how many remain);
// the ChallengeCodeTries-th wrong code fails the authentication as "fail"
// does, and after it no code is taken.
//
// Errors: not_found, invalid_parameter (wrong code).
func (s *Checkout) CompleteChallenge(ctx context.Context, token string, passed bool, code string) (*paygate.Payment, error) {
	ch, err := s.ChallengePage(ctx, token)
	if err != nil {
		return nil, err
	}
	p := ch.Payment
	if p.Status != paygate.StatusRequiresAction || p.PendingCard == nil {
		return p, nil
	}
	ctx = paygate.WithMerchantID(ctx, p.MerchantID)
	if p.ExpiresAt != nil && !s.now().Before(*p.ExpiresAt) {
		// Answered too late: the challenge ran out, as the sweep would
		// record it (with the session, if it is still open).
		return s.record(ctx, p, paygate.StatusExpired, func(q *paygate.Payment, _ time.Time) {
			q.ExpiresAt, q.NextAction, q.PendingCard, q.ClaimedUntil = nil, nil, nil, nil
			q.FailureCode, q.FailureMessage = codeAbandoned, msgAbandoned
		}, s.expireSession(ctx, p))
	}
	plain, err := s.vault.Open(p.PendingCard, []byte("pending-card/"+p.TradeNo))
	if err != nil {
		return nil, paygate.Internal("challenge", err)
	}
	var pc pendingCard
	if err := json.Unmarshal(plain, &pc); err != nil {
		return nil, paygate.Internal("challenge", err)
	}
	a := &challengeAnswer{p: p, passed: passed, failMsg: msgAuthFailed, sealedCard: p.PendingCard, action: p.NextAction}
	if p.WrongChallengeCodes >= ChallengeCodeTries {
		// The tries are used up, and the failure of the last one did not
		// reach the ACS: no code counts any more.
		a.passed, a.failMsg = false, msgWrongCodes
	}
	var done *paygate.Payment
	if a.passed && !s.checkChallengeCode(p.TradeNo, code) {
		done, err = s.wrongCode(ctx, a)
	} else {
		done, err = s.takePendingCard(ctx, a)
	}
	if done != nil || err != nil {
		return done, err
	}
	return s.answerChallenge(context.WithoutCancel(ctx), a, ch.Session, &pc) // the card is taken: finish, or give it back
}

// challengeAnswer is a customer's answer to a challenge in progress: the
// payment, whether it passes, and the card taken from the payment (to give
// back if the ACS cannot be reached).
type challengeAnswer struct {
	p          *paygate.Payment
	passed     bool
	failMsg    string
	sealedCard []byte
	action     *paygate.NextAction
}

// wrongCode counts a wrong code in a compare-and-set, so that codes sent at
// once (a script, many tabs) each use a try. The last try takes the pending
// card in the same write, as an answer does, and goes on to fail the
// authentication (done nil); any other try is answered with the tries left.
func (s *core) wrongCode(ctx context.Context, a *challengeAnswer) (done *paygate.Payment, err error) {
	last := false
	q, err := s.update(ctx, a.p, func(q *paygate.Payment, _ time.Time) {
		last = false
		if q.Status != paygate.StatusRequiresAction || q.PendingCard == nil {
			return // answered meanwhile
		}
		q.WrongChallengeCodes++
		if q.WrongChallengeCodes >= ChallengeCodeTries {
			last = true
			a.sealedCard, a.action = q.PendingCard, q.NextAction
			q.PendingCard, q.NextAction = nil, nil
		}
	})
	if err != nil {
		return nil, err
	}
	if !last {
		if q.Status != paygate.StatusRequiresAction || q.PendingCard == nil {
			return q, nil
		}
		left := ChallengeCodeTries - q.WrongChallengeCodes
		return q, paygate.InvalidParam("code", "the one-time code is wrong: %d of %d tries left", left, ChallengeCodeTries)
	}
	a.p, a.passed, a.failMsg = q, false, msgWrongCodes
	return nil, nil
}

// takePendingCard takes the pending card in a compare-and-set before the
// call out: of two answers (a double click, two tabs) only one goes on to
// the acquirer; the other finds nothing left to authorize (done).
func (s *core) takePendingCard(ctx context.Context, a *challengeAnswer) (done *paygate.Payment, err error) {
	taken := *a.p
	taken.PendingCard, taken.NextAction = nil, nil
	taken.UpdatedAt = s.now()
	taken.Version++
	if err := s.store.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&taken}}); err != nil {
		if isCode(err, paygate.EConflict) {
			return s.store.Payment(ctx, a.p.MerchantID, a.p.TradeNo)
		}
		return nil, err
	}
	a.p = &taken
	return nil, nil
}

// answerChallenge tells the ACS the answer and authorizes, or declines, the
// payment whose card was taken.
func (s *core) answerChallenge(ctx context.Context, a *challengeAnswer, sess *paygate.Session, pc *pendingCard) (*paygate.Payment, error) {
	p := a.p
	d := &draft{payment: p, session: sess, store: pc.Store,
		card: acquirer.Card{Number: pc.PAN, ExpiryMonth: pc.Month, ExpiryYear: pc.Year, HolderName: pc.Holder, Brand: pc.Brand}}
	if pc.Renew != nil {
		d.storedUpdate = s.renewedCard(ctx, pc.Renew) // as the stored card is now
	}
	three, err := s.acquirer.CompleteChallenge(ctx, p.TradeNo, d.card, a.passed)
	if err != nil {
		// Nothing happened at the acquirer: put the card back so that the
		// customer can answer again.
		if _, rerr := s.update(ctx, p, func(q *paygate.Payment, _ time.Time) {
			if q.Status == paygate.StatusRequiresAction && q.PendingCard == nil {
				q.PendingCard, q.NextAction = a.sealedCard, a.action
			}
		}); rerr != nil {
			s.log.ErrorContext(ctx, "giving back a challenge's card failed", "tradeNo", p.TradeNo, "err", rerr)
		}
		return nil, paygate.Internal("challenge", err)
	}
	if three == nil {
		return s.decline(ctx, p, d, codeAuthFailed, a.failMsg, nil)
	}
	d.threeDsData = three
	return s.authorize(ctx, p, d)
}

// sweepSessions expires open sessions past their deadline, with their
// payment, in one commit each.
func (s *core) sweepSessions(ctx context.Context, now time.Time) (int, error) {
	due, err := s.store.DueSessions(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sess := range due {
		p, err := s.store.Payment(ctx, sess.MerchantID, sess.TradeNo)
		if err != nil {
			return n, err
		}
		if p.Wallet != nil && p.NextAction != nil && s.wallets != nil {
			// Ask the wallet first: the shopper may have paid and the answer
			// never reached us. Paid, the session completes instead.
			if res, err := s.wallets.QueryOrder(ctx, walletQuery(p)); err == nil && res.State == acquirer.WalletPaid {
				if _, err := s.walletAnswer(ctx, p, &draft{payment: p, session: sess}, attemptRef(p), res); err != nil {
					return n, err
				}
				n++
				continue
			}
			if s.closeWallet(ctx, p) != nil {
				continue // its wallet order is still open; the next sweep tries again
			}
		}
		reqID := "sweep"
		x := *sess
		ev, err := x.Transition(paygate.SessionExpired, now, reqID)
		if err != nil {
			continue
		}
		x.Version++
		q := *p
		q.Version++
		q.UpdatedAt = now
		c := paygate.Change{Payments: []*paygate.Payment{&q}, Sessions: []*paygate.Session{&x}, Events: []paygate.Event{ev}}
		if q.Status == paygate.StatusRequiresAction { // an unanswered challenge, as on a direct payment
			q.FailureCode, q.FailureMessage = codeAbandoned, msgAbandoned
		}
		if pev, err := q.Transition(paygate.StatusExpired, now, reqID); err == nil {
			q.ExpiresAt, q.NextAction, q.PendingCard, q.ClaimedUntil = nil, nil, nil, nil
			c.Events = append(c.Events, pev)
		}
		if err := s.commit(ctx, c); err != nil {
			if isCode(err, paygate.EConflict) {
				continue // paid or changed meanwhile; the next sweep looks again
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// checkChallengeCode asks the ACS whether code answers the challenge; with
// an acquirer that hosts no challenge page, no code does.
func (s *core) checkChallengeCode(reference, code string) bool {
	acs, ok := s.acquirer.(acquirer.ACS)
	return ok && acs.CheckChallengeCode(reference, code)
}
