package gateway

import (
	"context"
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
	var err error
	if req.Metadata, err = req.Metadata.Or(req.Matedata); err != nil {
		return nil, nil, false, err
	}
	req.Matedata = nil
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
	o.ttl = c.minutes("expiryTime", req.ExpiryTime, 30, 120, 30*time.Minute)
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
	TestMode     bool // the acquirer moves no real money: the page says so
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
	st, err := s.merchantState(ctx, sess.MerchantID)
	if err != nil {
		return nil, err
	}
	return &CheckoutPage{Session: sess, Payment: p, MerchantName: m.Name,
		Expired:  sess.Status == paygate.SessionExpired || !s.now().Before(sess.ExpiresAt),
		TestMode: s.testMode && !st.live}, nil // a live merchant's page shows no test badge nor test cards
}

// openSession loads the session a customer acts on, and ctx acting as its
// merchant; a session that expired or ended is invalid_state (the page is
// still returned, with its payment).
func (s *Checkout) openSession(ctx context.Context, sessionID string) (*CheckoutPage, context.Context, error) {
	page, err := s.CheckoutPage(ctx, sessionID)
	if err != nil {
		return nil, ctx, err
	}
	if sess := page.Session; page.Expired || sess.Status != paygate.SessionOpen {
		return page, ctx, paygate.Errorf(paygate.EInvalidState, "the checkout session is %s", strings.ToLower(string(orStatus(sess, page.Expired))))
	}
	return page, paygate.WithMerchantID(ctx, page.Session.MerchantID), nil
}

// payment is the page's payment; nil for no page.
func (page *CheckoutPage) payment() *paygate.Payment {
	if page == nil {
		return nil
	}
	return page.Payment
}

// CardForm is what the cashier page posts.
type CardForm struct {
	CardNo, ExpiryMonth, ExpiryYear, CVC, HolderName string
	ClientIP                                         string // the shopper's address, for the risk engine
}

// cashierClaim is how long a cashier page's card attempt holds its
// payment: longer than the longest call to a connector (three calls of at
// most two minutes each), so that only a node that stopped during the
// call leaves a claim that runs out (held).
const cashierClaim = 10 * time.Minute

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
	page, ctx, err := s.openSession(ctx, sessionID)
	if err != nil {
		return page.payment(), err
	}
	sess, p := page.Session, page.Payment
	now := s.now()
	if p.Status != paygate.StatusPending {
		return p, nil // already paid, failed or waiting for the challenge
	}
	if cardOut(p) {
		// A card is at the connector, or waits for its answer (unknown,
		// pending, a crash): never start a second one, even after the
		// claim ran out, or two cards could be charged. An outcome clears
		// the claim; an unknown one waits for the sweep's question.
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
	until := now.Add(cashierClaim)
	q.ClaimedUntil = &until
	q.Card = &paygate.CardDetails{Brand: string(brand), BIN: card.BIN(f.CardNo), Last4: card.Last4(f.CardNo),
		ExpiryMonth: month, ExpiryYear: year, HolderName: holder, Fingerprint: s.vault.Fingerprint(f.CardNo)}
	q.FailureCode, q.FailureMessage = "", ""
	q.AcquirerRef, q.NextAction = "", nil // a new card is a new authorization
	q.Risk = nil                          // each card is judged anew
	q.CardAttempts++
	q.UpdatedAt = now
	q.Version++
	if err := s.chooseConnector(ctx, &q); err != nil {
		return p, err
	}
	if err := s.store.Apply(ctx, paygate.Change{Payments: []*paygate.Payment{&q}}); err != nil {
		if isCode(err, paygate.EConflict) {
			return p, ErrInProgress
		}
		return nil, err
	}
	d := &draft{payment: &q, session: sess, actionTTL: sess.ExpiresAt.Sub(now), clientIP: f.ClientIP,
		card: acquirer.Card{Number: f.CardNo, CVC: f.CVC, ExpiryMonth: month, ExpiryYear: year, HolderName: holder, Brand: string(brand)}}
	return s.authorize(ctx, &q, d)
}

func orStatus(sess *paygate.Session, expired bool) paygate.SessionStatus {
	if expired && sess.Status == paygate.SessionOpen {
		return paygate.SessionExpired
	}
	return sess.Status
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
		if p.ClaimedUntil != nil && p.ClaimedUntil.After(now) || held(p, now) && !builtin(p) {
			// A card is out, or held at a connector that can be asked: the
			// sweep asks it on its own schedule, and the session waits for
			// the answer. (The sandbox always answers: a card left there by
			// a stopped node expires with its session, as before.)
			continue
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
