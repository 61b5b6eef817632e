package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/card"
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
	storedCard   *paygate.StoredCard // the stored card a token payment charges
	storedUpdate *paygate.StoredCard // its newer expiry, written if approved
	session      *paygate.Session    // the checkout session being paid, if any
	expiredCard  bool                // the stored card has expired: fail without the acquirer
	wallet       *walletDraft        // a wallet or QR payment (not a device wallet)
	deviceToken  string              // an Apple Pay or Google Pay token, opened before the payment is stored
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
	req.Metadata, req.Matedata = req.Metadata.Or(req.Matedata), nil
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
	three, done, err := s.authenticate(ctx, p, d)
	if done != nil || err != nil {
		return done, err
	}
	req := acquirer.AuthorizeRequest{
		Reference: p.TradeNo, Amount: p.Amount, Card: d.card,
		Capture: p.CaptureMethod == paygate.CaptureAuto, ThreeDS: three,
		FraudScreen: p.FraudMode.Screens(), Initiator: "customer"}
	if sc := p.StoredCredential; sc != nil && sc.Initiator == "merchant" {
		req.Initiator = "merchant"
		req.PreviousSchemeTransactionID = d.storedCard.SchemeTransactionID
	}
	res, err := s.acquirer.Authorize(ctx, req)
	if err != nil {
		// Outcome unknown: the payment stays as it is and the sweep expires it.
		s.log.WarnContext(ctx, "acquirer authorize failed", "tradeNo", p.TradeNo, "err", err)
		return p, nil
	}
	if !res.Approved {
		return s.decline(ctx, p, d, res.Code, res.Message, res.Risk)
	}
	to := paygate.StatusSucceeded
	if p.CaptureMethod == paygate.CaptureManual {
		to = paygate.StatusAuthorized
	}
	q, err := s.record(ctx, p, to, func(p *paygate.Payment, now time.Time) {
		p.AcquirerRef, p.AuthCode, p.Risk = res.AcquirerRef, res.AuthCode, res.Risk
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
	}, s.storedCardWrite(ctx, d), s.completeSession(ctx, d))
	if err == nil && q.Status != to && q.AcquirerRef == "" {
		s.giveBackLate(ctx, p, res.AcquirerRef, req.Capture)
	}
	return q, err
}

// authenticate runs 3-D Secure unless the merchant authenticated the card
// itself or the mode is off, and returns the result to authorize with. A
// payment that ends here (a challenge to answer, a failed authentication)
// is returned as done.
func (s *core) authenticate(ctx context.Context, p *paygate.Payment, d *draft) (three *paygate.ThreeDS, done *paygate.Payment, err error) {
	mode := p.ThreeDS.Mode
	three = d.threeDsData
	if three == nil && mode != paygate.ThreeDSOff {
		ar, err := s.acquirer.Authenticate(ctx, acquirer.AuthenticateRequest{
			Reference: p.TradeNo, Amount: p.Amount, Card: d.card, Mode: mode})
		if err != nil {
			done, err := s.decline(ctx, p, d, "processing_error", "3-D Secure authentication could not be performed; it is safe to retry.", nil)
			return nil, done, err
		}
		if ar.ChallengeRequired {
			done, err := s.requireChallenge(ctx, p, d)
			return nil, done, err
		}
		three = ar.ThreeDS
	}
	if three != nil {
		three.Mode = mode
		p.ThreeDS = three
	}
	return three, nil, nil
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
				Initiator: "customer", Stored: true}
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
func (s *core) giveBackLate(ctx context.Context, p *paygate.Payment, acquirerRef string, captured bool) {
	var back acquirer.Result
	var err error
	if captured {
		back, err = s.acquirer.Refund(ctx, acquirerRef, p.TradeNo+"-late", p.Amount)
	} else {
		back, err = s.acquirer.Void(ctx, acquirerRef)
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
	if d != nil && d.session != nil && p.Status == paygate.StatusPending {
		return s.update(ctx, p, func(p *paygate.Payment, _ time.Time) {
			p.FailureCode, p.FailureMessage, p.Risk = code, msg, risk
			p.ClaimedUntil = nil
		})
	}
	return s.record(ctx, p, paygate.StatusFailed, func(p *paygate.Payment, _ time.Time) {
		p.FailureCode, p.FailureMessage, p.Risk = code, msg, risk
		p.ExpiresAt = nil
		p.NextAction = nil
		p.PendingCard = nil
		p.ClaimedUntil = nil
	}, s.completeSession(ctx, d))
}

// update writes a change to p that keeps its status (no event), retrying on
// a fresh copy when another writer came first.
func (s *core) update(ctx context.Context, p *paygate.Payment, set func(*paygate.Payment, time.Time)) (*paygate.Payment, error) {
	return retryStale(ctx, "payment "+p.TradeNo, func() (*paygate.Payment, error) {
		q := *p
		now := s.now()
		set(&q, now)
		q.UpdatedAt = now
		q.Version++
		if err := s.commitFresh(ctx, paygate.Change{Payments: []*paygate.Payment{&q}}, reload(ctx, s, &p)); err != nil {
			return nil, err
		}
		return &q, nil
	})
}

// record moves p to status to, applying set first, and writes it with its
// event. When another writer changed the payment first (a cancel, the
// sweep), it returns the stored payment unchanged if the move is no longer
// allowed, or retries on the fresh copy.
func (s *core) record(ctx context.Context, p *paygate.Payment, to paygate.Status, set func(*paygate.Payment, time.Time),
	extra ...func(*paygate.Payment, *paygate.Change)) (*paygate.Payment, error) {
	return retryStale(ctx, "payment "+p.TradeNo, func() (*paygate.Payment, error) {
		q := *p
		now := s.now()
		ev, err := q.Transition(to, now, paygate.RequestID(ctx))
		if err != nil {
			return p, nil
		}
		set(&q, now)
		q.Version++
		c := paygate.Change{Payments: []*paygate.Payment{&q}, Events: []paygate.Event{ev}}
		for _, add := range extra {
			if add != nil {
				add(&q, &c)
			}
		}
		if err := s.commitFresh(ctx, c, reload(ctx, s, &p)); err != nil {
			return nil, err
		}
		return &q, nil
	})
}

func (s *core) validateCreate(req *wire.CreatePaymentRequest, now time.Time) (*draft, error) {
	o, err := s.validateOrder(req)
	if err != nil {
		return nil, err
	}
	if req.PaymentMethodType != paygate.MethodCard {
		return s.validateWallet(req, o.amount, o.walletCapture, o.fraud, o.actionTTL)
	}
	return s.validateCard(req, o, now)
}

// orderParts are a create-payment request's parts common to every method,
// validated.
type orderParts struct {
	amount        paygate.Money
	capture       paygate.CaptureMethod // card.captureMethod, when given
	walletCapture paygate.CaptureMethod // captureMethod alone
	fraud         paygate.FraudMode
	threeDS       paygate.ThreeDSMode
	actionTTL     time.Duration
}

// validateOrder checks the parts of a create-payment request common to
// every method.
func (s *core) validateOrder(req *wire.CreatePaymentRequest) (orderParts, error) {
	var c checker
	c.required("paymentMethodType", req.PaymentMethodType)
	if req.PaymentMethodType != "" && req.PaymentMethodType != paygate.MethodCard {
		if _, ok := paygate.LookupWalletMethod(req.PaymentMethodType); !ok {
			c.fail("paymentMethodType", "paymentMethodType must be one of %s", strings.Join(paygate.PaymentMethodTypes(), ", "))
		} else if s.wallets == nil {
			c.fail("paymentMethodType", "paymentMethodType %s is not enabled on this gateway; use card", req.PaymentMethodType)
		}
	}
	c.reference("orderNo", req.OrderNo)
	if c.required("currency", req.Currency) {
		if _, err := paygate.ParseCurrency(req.Currency); err != nil {
			c.fail("currency", "currency %s", err.Error())
		}
	}
	if c.err != nil {
		return orderParts{}, c.err
	}
	var o orderParts
	var aerr *paygate.Error
	if o.amount, aerr = amountParam("amount", req.Amount, req.Currency); aerr != nil {
		return orderParts{}, aerr
	}
	o.capture = c.capture("captureMethod", req.CaptureMethod)
	o.walletCapture = o.capture // a wallet payment has no card object to name one
	if req.Card != nil && req.Card.CaptureMethod != "" {
		if req.CaptureMethod != "" && req.CaptureMethod != req.Card.CaptureMethod {
			c.capture("card.captureMethod", req.Card.CaptureMethod)
			c.fail("card.captureMethod", "card.captureMethod must match captureMethod")
		}
		o.capture = c.capture("card.captureMethod", req.Card.CaptureMethod)
	}
	c.length("description", req.Description, 1, 50)
	c.length("billingDesc", req.BillingDesc, 1, 128)
	o.actionTTL = s.cfg.ActionTTL
	if req.ExpiryTime != "" {
		n, err := strconv.Atoi(req.ExpiryTime)
		if err != nil || n < 1 || n > 1440 || req.ExpiryTime[0] == '+' {
			c.fail("expiryTime", "expiryTime must be a whole number of minutes from 1 to 1440")
		}
		o.actionTTL = time.Duration(n) * time.Minute
	}
	o.fraud = c.fraud("fraudMode", req.FraudMode)
	c.url("frontUrl", req.FrontURL, 128)
	s.checkNotifyURL(&c, "notificationUrl", req.NotificationURL)
	o.threeDS = c.threeDS("threeDsMode", req.ThreeDsMode)
	c.device("deviceInfo", req.DeviceInfo)
	c.billing(req.Billing)
	c.shipping(req.Shipping)
	c.products(req.ProductInfo, req.Currency)
	c.metadata("metadata", req.Metadata)
	if c.err != nil {
		return orderParts{}, c.err
	}
	return o, nil
}

// validateCard checks the card of a card payment and makes its draft.
func (s *core) validateCard(req *wire.CreatePaymentRequest, o orderParts, now time.Time) (*draft, error) {
	ci := req.Card
	if ci == nil {
		return nil, paygate.InvalidParam("card", "card is required for paymentMethodType card")
	}
	brand, err := card.CheckNumber(ci.CardNo)
	if err != nil {
		return nil, cardProblem(err)
	}
	month, year, err := card.CheckExpiry(ci.ExpiryMonth, ci.ExpiryYear, now)
	if err != nil {
		return nil, cardProblem(err)
	}
	if ci.CVC == "" {
		return nil, paygate.InvalidParam("card.cvc", "card.cvc is required")
	}
	if err := card.CheckCVC(ci.CVC, brand); err != nil {
		return nil, cardProblem(err)
	}
	var c checker
	c.length("card.firstName", ci.FirstName, 1, 64)
	c.length("card.lastName", ci.LastName, 1, 64)
	three := c.threeDsData(req.ThreeDsData)
	if c.err != nil {
		return nil, c.err
	}
	holder := trimJoin(ci.FirstName, ci.LastName)
	p := &paygate.Payment{
		OrderNo:           req.OrderNo,
		Amount:            o.amount,
		PaymentMethodType: req.PaymentMethodType,
		CaptureMethod:     o.capture,
		Description:       req.Description,
		BillingDesc:       req.BillingDesc,
		FraudMode:         o.fraud,
		NotificationURL:   req.NotificationURL,
		FrontURL:          req.FrontURL,
		ThreeDS:           &paygate.ThreeDS{Mode: o.threeDS},
		Card: &paygate.CardDetails{Brand: string(brand), BIN: card.BIN(ci.CardNo), Last4: card.Last4(ci.CardNo),
			ExpiryMonth: month, ExpiryYear: year, HolderName: holder, Fingerprint: s.vault.Fingerprint(ci.CardNo)},
		Billing:     rawJSON(req.Billing),
		Shipping:    rawJSON(req.Shipping),
		ProductInfo: rawJSON(req.ProductInfo),
		DeviceInfo:  rawJSON(req.DeviceInfo),
		Metadata:    rawJSON(req.Metadata),
	}
	return &draft{
		payment: p,
		card: acquirer.Card{Number: ci.CardNo, CVC: ci.CVC, ExpiryMonth: month, ExpiryYear: year,
			HolderName: holder, Brand: string(brand)},
		threeDsData: three,
		actionTTL:   o.actionTTL,
		store:       req.Billing != nil && req.Billing.StoredCredentials == "store",
	}, nil
}

// cardProblem turns a card check failure into invalid_parameter on card.<field>.
func cardProblem(err error) error { return cardProblemAt("card.", err) }

// cardProblemAt is cardProblem for fields under prefix ("" for top-level fields).
func cardProblemAt(prefix string, err error) error {
	if p, ok := err.(*card.Problem); ok {
		e := paygate.InvalidParam(prefix+p.Field, "%s%s: %s", prefix, p.Field, p.Message)
		e.Err = p // errors.Is finds card.ErrExpired through it
		return e
	}
	return paygate.InvalidParam(strings.TrimSuffix(prefix, "."), "card is not valid")
}

func (c *checker) device(param string, d *wire.DeviceInfo) {
	if d == nil {
		c.fail(param, "%s is required", param)
		return
	}
	c.ip(param+".clientIp", d.ClientIP)
	c.length(param+".deviceId", d.DeviceID, 1, 128)
	c.length(param+".language", d.Language, 1, 35)
	if b := d.Browser; b != nil {
		c.length(param+".browser.acceptHeader", b.AcceptHeader, 1, 2048)
		c.digits(param+".browser.colorDepth", b.ColorDepth, 1, 2)
		c.digits(param+".browser.screenHeight", b.ScreenHeight, 1, 6)
		c.digits(param+".browser.screenWidth", b.ScreenWidth, 1, 6)
		c.length(param+".browser.sessionId", b.SessionID, 1, 128)
		if b.TimeZone != "" {
			if n, err := strconv.Atoi(b.TimeZone); err != nil || n < -840 || n > 840 {
				c.fail(param+".browser.timeZone", "%s.browser.timeZone must be the UTC offset in minutes", param)
			}
		}
		c.length(param+".browser.userAgent", b.UserAgent, 1, 2048)
	}
	if l := d.Location; l != nil {
		c.decimal(param+".location.lat", l.Lat, -90, 90)
		c.decimal(param+".location.lon", l.Lon, -180, 180)
	}
	if m := d.Mobile; m != nil {
		c.length(param+".mobile.deviceModel", m.DeviceModel, 1, 64)
		c.length(param+".mobile.osType", m.OsType, 1, 32)
		c.length(param+".mobile.osVersion", m.OsVersion, 1, 32)
	}
}

func (c *checker) billing(b *wire.Billing) {
	if b == nil {
		return
	}
	c.address("billing.address", b.Address)
	c.date("billing.birthday", b.Birthday)
	c.oneOf("billing.customerInitiatedReason", b.CustomerInitiatedReason, "RECURRING", "INSTALMENT", "UNSCHEDULED")
	c.email("billing.email", b.Email)
	c.phone("billing.phone", b.Phone)
	c.oneOf("billing.storedcredentials", b.StoredCredentials, "none", "store")
}

func (c *checker) products(items []wire.ProductInfo, currency string) {
	if len(items) > 100 {
		c.fail("productInfo", "productInfo may hold at most 100 lines")
	}
	for i, it := range items {
		param := "productInfo[" + strconv.Itoa(i) + "]"
		if it.Price != "" && !zeroAmount(it.Price) { // a free line ("0", "0.00") is fine
			if _, err := amountParam(param+".price", it.Price, currency); err != nil && c.err == nil {
				c.err = err
			}
		}
		if it.Quantity != "" {
			if n, err := strconv.Atoi(it.Quantity); err != nil || n < 1 || n > 999999 || it.Quantity[0] == '+' {
				c.fail(param+".quantity", "%s.quantity must be a whole number from 1 to 999999", param)
			}
		}
		c.length(param+".productName", it.ProductName, 1, 128)
		c.length(param+".sku", it.SKU, 1, 64)
	}
}

// threeDsData validates a merchant-supplied 3-D Secure result. The liability
// shifts when the issuer authenticated (Y) or attempted (A) with a matching ECI.
func (c *checker) threeDsData(t *wire.ThreeDsData) *paygate.ThreeDS {
	if t == nil {
		return nil
	}
	c.oneOf("threeDsData.authenticationResultCode", t.AuthenticationResultCode, "Y", "A", "N", "U", "R", "C", "I")
	if c.required("threeDsData.eci", t.Eci) {
		c.oneOf("threeDsData.eci", t.Eci, "00", "01", "02", "05", "06", "07")
	}
	if c.required("threeDsData.cavv", t.Cavv) {
		c.length("threeDsData.cavv", t.Cavv, 1, 64)
	}
	c.length("threeDsData.dsTransId", t.DsTransID, 1, 64)
	c.length("threeDsData.xid", t.Xid, 1, 64)
	if t.DsVersion != "" {
		if !isVersion(t.DsVersion) {
			c.fail("threeDsData.dsVersion", "threeDsData.dsVersion must look like 2.2.0")
		}
	}
	shift := (t.AuthenticationResultCode == "Y" || t.AuthenticationResultCode == "A" || t.AuthenticationResultCode == "") &&
		(t.Eci == "05" || t.Eci == "06" || t.Eci == "02" || t.Eci == "01")
	return &paygate.ThreeDS{Version: orDefault(t.DsVersion, "2.2.0"), ECI: t.Eci, CAVV: t.Cavv,
		DSTransID: t.DsTransID, XID: t.Xid, AuthenticationResultCode: t.AuthenticationResultCode, LiabilityShift: shift}
}

func isVersion(v string) bool {
	parts := 0
	digits := 0
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] >= '0' && v[i] <= '9':
			digits++
		case v[i] == '.' && digits > 0:
			parts++
			digits = 0
		default:
			return false
		}
	}
	return parts == 2 && digits > 0 && len(v) <= 8
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
