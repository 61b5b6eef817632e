package gateway

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/card"
	"paygate/wire"
)

// Wallet and QR payments (docs/wallets.md). A wallet payment is a Payment
// with PaymentMethodType set and a Wallet part; its outside calls go to the
// wallet connector (acquirer.Wallets), never inside a transaction:
//
//	qr-code, h5, in-app, mini-program, PayPal: PENDING, the wallet order is
//	  opened, REQUIRES_ACTION with nextAction; the shopper's answer (the
//	  sandbox wallet page, a real wallet's notification) or the sweep ends it.
//	pay (authCode): PENDING, the wallet answers at once: SUCCEEDED, FAILED, or
//	  "user paying": PENDING with a due time, when the sweep (or an inquiry)
//	  asks the wallet again.
//
// Device wallets (Apple Pay, Google Pay) are not wallet payments in this
// sense: their token is opened into a device card that is authorized,
// captured and refunded as a card.

// walletDraft is the part of a wallet request that reaches the wallet but is
// never stored.
type walletDraft struct {
	method   paygate.WalletMethod
	authCode string // the shopper's one-time code (productType pay)
	openID   string // the shopper in the merchant's app or mini program
}

// walletInput is a request's method object, whichever method it is.
type walletInput struct {
	present                                       bool
	productType, authCode, openID, subAppID       string
	storeID, limitPayMethod, attach, token, field string
	metadata                                      map[string]string
}

func walletObject(req *wire.CreatePaymentRequest) walletInput {
	switch req.PaymentMethodType {
	case paygate.MethodWeChat:
		if w := req.Wechat; w != nil {
			return walletInput{present: true, productType: w.ProductType, authCode: w.AuthCode, openID: w.OpenID,
				subAppID: w.SubAppID, storeID: w.StoreID, limitPayMethod: w.LimitPayMethod, attach: w.Attach}
		}
	case paygate.MethodAlipay, paygate.MethodAlipayPlus:
		w := req.Alipay
		if req.PaymentMethodType == paygate.MethodAlipayPlus {
			w = req.AlipayPlus
		}
		if w != nil {
			return walletInput{present: true, productType: w.ProductType, authCode: w.AuthCode, openID: w.OpenID,
				subAppID: w.SubAppID, storeID: w.StoreID, limitPayMethod: w.LimitPayMethod}
		}
	case paygate.MethodUPay:
		if w := req.Upay; w != nil {
			return walletInput{present: true, productType: w.ProductType, authCode: w.AuthCode, storeID: w.StoreID}
		}
	case paygate.MethodPayNow, paygate.MethodGrabPay, paygate.MethodShopeePay:
		w := map[string]*wire.QRInput{paygate.MethodPayNow: req.PayNow, paygate.MethodGrabPay: req.GrabPay,
			paygate.MethodShopeePay: req.ShopeePay}[req.PaymentMethodType]
		if w != nil {
			return walletInput{present: true, productType: w.ProductType}
		}
	case paygate.MethodPayPal:
		if w := req.PayPal; w != nil {
			return walletInput{present: true, productType: w.ProductType, metadata: w.Metadata}
		}
	case paygate.MethodApplePay:
		if w := req.ApplePay; w != nil {
			return walletInput{present: true, token: w.PaymentData, field: "paymentData"}
		}
	case paygate.MethodGooglePay:
		if w := req.GooglePay; w != nil {
			return walletInput{present: true, token: w.PaymentToken, field: "paymentToken"}
		}
	}
	return walletInput{}
}

// validateWallet validates the wallet part of a create-payment request whose
// common fields validateCreate has checked.
func (s *core) validateWallet(req *wire.CreatePaymentRequest, amount paygate.Money, capture paygate.CaptureMethod,
	fraud paygate.FraudMode, actionTTL time.Duration) (*draft, error) {
	m, _ := paygate.LookupWalletMethod(req.PaymentMethodType)
	name := m.Type // each method's object is named as the method
	in := walletObject(req)
	if !in.present {
		return nil, paygate.InvalidParam(name, "%s is required for paymentMethodType %s", name, name)
	}
	if err := fitsMethod(m, amount, "currency", "amount"); err != nil {
		return nil, err
	}
	var c checker
	if capture == paygate.CaptureManual && !m.Device {
		c.fail("captureMethod", "%s payments are captured at once; captureMethod manual is for card, applePay and googlePay", name)
	}
	if req.Billing != nil && req.Billing.StoredCredentials == "store" {
		c.fail("billing.storedcredentials", "only card payments can store a card")
	}
	p := &paygate.Payment{
		OrderNo:           req.OrderNo,
		Amount:            amount,
		PaymentMethodType: m.Type,
		CaptureMethod:     capture,
		Description:       req.Description,
		BillingDesc:       req.BillingDesc,
		FraudMode:         fraud,
		NotificationURL:   req.NotificationURL,
		FrontURL:          req.FrontURL,
		Billing:           rawJSON(req.Billing),
		Shipping:          rawJSON(req.Shipping),
		ProductInfo:       rawJSON(req.ProductInfo),
		DeviceInfo:        rawJSON(req.DeviceInfo),
		Metadata:          rawJSON(req.Metadata),
	}
	if m.Device {
		param := name + "." + in.field
		if c.required(param, in.token) {
			c.length(param, in.token, 1, 16<<10)
		}
		if c.err != nil {
			return nil, c.err
		}
		// The device's cryptogram stands in for 3-D Secure.
		p.ThreeDS = &paygate.ThreeDS{Mode: paygate.ThreeDSOff}
		return &draft{payment: p, actionTTL: actionTTL, deviceToken: in.token}, nil
	}

	pt := in.productType
	if pt == "" {
		pt = m.ProductTypes[0]
		if in.authCode != "" && m.Supports(paygate.ProductPay) {
			pt = paygate.ProductPay
		}
	}
	if !m.Supports(pt) {
		c.fail(name+".productType", "%s.productType must be one of %s", name, strings.Join(m.ProductTypes, ", "))
	}
	if pt == paygate.ProductPay {
		c.required(name+".authCode", in.authCode)
	}
	c.digits(name+".authCode", in.authCode, 10, 32)
	if pt == paygate.ProductMiniProgram {
		if c.required(name+".openId", in.openID) {
			c.required(name+".subAppId", in.subAppID)
		}
	}
	c.length(name+".openId", in.openID, 1, 128)
	c.length(name+".subAppId", in.subAppID, 1, 32)
	c.length(name+".storeId", in.storeID, 1, 32)
	c.length(name+".attach", in.attach, 1, 127)
	c.oneOf(name+".limitPayMethod", in.limitPayMethod, "no_credit")
	c.metadata(name+".metadata", in.metadata)
	if c.err != nil {
		return nil, c.err
	}
	p.Wallet = &paygate.Wallet{ProductType: pt, StoreID: in.storeID, SubAppID: in.subAppID,
		LimitPayMethod: in.limitPayMethod, Attach: in.attach, Metadata: rawJSON(in.metadata)}
	return &draft{payment: p, actionTTL: actionTTL,
		wallet: &walletDraft{method: m, authCode: in.authCode, openID: in.openID}}, nil
}

// fitsMethod refuses a currency the method does not take (on
// currencyParam) and an amount above its limit (on amountParam).
func fitsMethod(m paygate.WalletMethod, amount paygate.Money, currencyParam, amountParam string) *paygate.Error {
	if !m.Accepts(amount.Currency) {
		return paygate.InvalidParam(currencyParam, "%s does not take %s; it takes %s", m.Label, amount.Currency,
			strings.Join(m.Currencies(), ", "))
	}
	if max, ok := m.MaxAmount(amount.Currency); ok && amount.Minor > max.Minor {
		return paygate.InvalidParam(amountParam, "amount %s %s exceeds the %s limit of %s %s per payment",
			amount, amount.Currency, m.Label, max, max.Currency)
	}
	return nil
}

// openDeviceToken opens an Apple Pay or Google Pay token into its device
// card before the payment is stored: a token the connector cannot open is
// bad input, not a payment.
func (s *core) openDeviceToken(ctx context.Context, d *draft) error {
	if d.deviceToken == "" {
		return nil
	}
	p := d.payment
	param := map[string]string{paygate.MethodApplePay: "applePay.paymentData", paygate.MethodGooglePay: "googlePay.paymentToken"}[p.PaymentMethodType]
	dc, err := s.wallets.OpenToken(ctx, p.PaymentMethodType, d.deviceToken)
	if errors.Is(err, acquirer.ErrBadToken) {
		return paygate.InvalidParam(param, "%s is not a payment token the gateway can open", param)
	}
	if err != nil {
		return paygate.Internal("open token", err)
	}
	n := dc.Card.Number
	p.Card = &paygate.CardDetails{Brand: dc.Card.Brand, BIN: card.BIN(n), Last4: card.Last4(n),
		ExpiryMonth: dc.Card.ExpiryMonth, ExpiryYear: dc.Card.ExpiryYear, Fingerprint: s.vault.Fingerprint(n)}
	d.card = dc.Card
	d.threeDsData = &paygate.ThreeDS{ECI: dc.ECI, CAVV: dc.Cryptogram,
		LiabilityShift: dc.ECI == "05" || dc.ECI == "02"}
	return nil
}

// attemptRef is the wallet's reference of a payment's current attempt: the
// tradeNo for a direct payment, one per attempt on a cashier page.
func attemptRef(p *paygate.Payment) string {
	if p.Wallet != nil && p.Wallet.Reference != "" {
		return p.Wallet.Reference
	}
	return p.TradeNo
}

func walletQuery(p *paygate.Payment) acquirer.QueryRequest {
	return acquirer.QueryRequest{Method: p.PaymentMethodType, Reference: attemptRef(p), WalletRef: p.AcquirerRef}
}

// startWallet sends a stored PENDING wallet payment to the wallet: the
// authCode is charged, or the order is opened for the shopper.
func (s *core) startWallet(ctx context.Context, p *paygate.Payment, d *draft) (*paygate.Payment, error) {
	ref := attemptRef(p)
	w := p.Wallet
	if w.ProductType == paygate.ProductPay {
		res, err := s.wallets.PayCode(ctx, acquirer.PayRequest{Method: p.PaymentMethodType, Reference: ref, Amount: p.Amount,
			AuthCode: d.wallet.authCode, StoreID: w.StoreID, LimitPayMethod: w.LimitPayMethod, Description: p.Description})
		if err != nil {
			// Outcome unknown: the payment stays PENDING and the sweep asks the wallet.
			s.log.WarnContext(ctx, "wallet pay failed", "tradeNo", p.TradeNo, "err", err)
			return p, nil
		}
		return s.walletAnswer(ctx, p, d, ref, res)
	}
	expires := s.now().Add(d.actionTTL)
	order, err := s.openOrder(ctx, p, ref, w.ProductType, d.wallet.openID, expires)
	if err != nil {
		s.log.WarnContext(ctx, "wallet order failed", "tradeNo", p.TradeNo, "err", err)
		return p, nil
	}
	ctx = context.WithoutCancel(ctx) // the order is open at the wallet: record it
	q, ok, err := s.recordAttempt(ctx, p, ref, paygate.StatusRequiresAction, func(q *paygate.Payment, _ time.Time) {
		q.Wallet.Reference = ref
		q.AcquirerRef = order.WalletRef
		q.NextAction = s.walletAction(q, ref, order)
		q.ExpiresAt = &expires
	})
	if err == nil && !ok {
		// Closed meanwhile (a cancel came first): close the order just
		// opened, so the shopper cannot pay it.
		w := *p.Wallet
		closing := *p
		closing.Wallet, closing.AcquirerRef = &w, order.WalletRef
		closing.Wallet.Reference = ref
		if _, cerr := s.wallets.CloseOrder(ctx, walletQuery(&closing)); cerr != nil {
			s.log.WarnContext(ctx, "wallet close failed", "tradeNo", p.TradeNo, "err", cerr)
		}
	}
	return q, err
}

// openOrder opens a wallet order for an attempt.
func (s *core) openOrder(ctx context.Context, p *paygate.Payment, ref, productType, openID string, expires time.Time) (acquirer.Order, error) {
	name := ""
	if m, err := s.store.Merchant(ctx, p.MerchantID); err == nil {
		name = m.Name
	}
	w := p.Wallet
	return s.wallets.OpenOrder(ctx, acquirer.OrderRequest{Method: p.PaymentMethodType, ProductType: productType,
		Reference: ref, Amount: p.Amount, Description: p.Description, MerchantName: name,
		StoreID: w.StoreID, SubAppID: w.SubAppID, OpenID: openID, Attach: w.Attach, LimitPayMethod: w.LimitPayMethod,
		ExpiresAt: expires, PageURL: s.walletPageURL(p, ref)})
}

// walletAction is the nextAction of an opened order.
func (s *core) walletAction(p *paygate.Payment, ref string, o acquirer.Order) *paygate.NextAction {
	token := s.walletToken(p.MerchantID, p.TradeNo, ref)
	a := &paygate.NextAction{}
	switch {
	case o.QRCode != "":
		a.Type, a.QRCode, a.QRImageURL = "qr_code", o.QRCode, s.cfg.BaseURL+"/wallet/qr/"+token+".png"
	case o.RedirectURL != "":
		a.Type, a.URL = "redirect", o.RedirectURL
	default:
		a.Type, a.SDKParams = "sdk", o.SDKParams
	}
	if _, ok := s.wallets.(acquirer.WalletSimulator); ok {
		a.SimulateURL = s.walletPageURL(p, ref)
	}
	return a
}

// walletAnswer records what the wallet said about an attempt.
func (s *core) walletAnswer(ctx context.Context, p *paygate.Payment, d *draft, ref string, res acquirer.WalletResult) (*paygate.Payment, error) {
	switch res.State {
	case acquirer.WalletPaid:
		return s.walletPaid(ctx, p, d, ref, res)
	case acquirer.WalletDeclined:
		return s.walletDeclined(ctx, p, d, ref, orDefault(res.Code, "wallet_declined"), orDefault(res.Message, "The wallet declined the payment."))
	case acquirer.WalletPaying:
		q, _, err := s.recordAttempt(ctx, p, ref, "", func(q *paygate.Payment, now time.Time) {
			q.Wallet.Reference = ref
			q.AcquirerRef = orDefault(res.WalletRef, q.AcquirerRef)
			at := now.Add(max(res.RetryAfter, time.Second))
			q.Wallet.SettleAt, q.ExpiresAt = &at, &at
		})
		return q, err
	}
	return p, nil // still open: nothing to record
}

// walletPaid records a paid attempt as SUCCEEDED (and completes its
// session). Paid for a payment that was closed meanwhile (cancelled,
// expired, paid by another attempt), the money goes back to the shopper.
func (s *core) walletPaid(ctx context.Context, p *paygate.Payment, d *draft, ref string, res acquirer.WalletResult) (*paygate.Payment, error) {
	q, ok, err := s.recordAttempt(ctx, p, ref, paygate.StatusSucceeded, func(q *paygate.Payment, now time.Time) {
		q.Wallet.Reference = ref
		q.Wallet.BuyerAccount, q.Wallet.Funding, q.Wallet.TransactionID = res.BuyerAccount, res.Funding, res.TransactionID
		q.Wallet.SettleAt = nil
		q.AcquirerRef = orDefault(res.WalletRef, q.AcquirerRef)
		q.AuthorizedAt = &now
		q.CapturedMinor = q.Amount.Minor
		q.ExpiresAt, q.NextAction, q.ClaimedUntil = nil, nil, nil
		q.FailureCode, q.FailureMessage = "", ""
	}, s.completeSession(ctx, d))
	paid := q != nil && q.Status.Paid()
	if err == nil && !ok && paid && q.Wallet != nil && q.Wallet.Reference == ref {
		return q, nil // this very attempt was recorded paid already (the answer came twice)
	}
	if err == nil && !ok {
		s.log.WarnContext(ctx, "wallet paid a closed payment; refunding", "tradeNo", p.TradeNo, "reference", ref)
		res, rerr := s.wallets.RefundOrder(context.WithoutCancel(ctx), acquirer.QueryRequest{Method: p.PaymentMethodType, Reference: ref, WalletRef: res.WalletRef},
			ref+"R", p.Amount)
		if rerr == nil && !res.Approved {
			rerr = fmt.Errorf("the wallet refused: %s %s", res.Code, res.Message)
		}
		if rerr != nil {
			// Not retried by itself: an operator must give this money back.
			s.log.ErrorContext(ctx, "refund of a payment to a closed order failed", "tradeNo", p.TradeNo, "reference", ref, "err", rerr)
		}
	}
	return q, err
}

// walletDeclined records a declined attempt: FAILED, or on a cashier page
// PENDING with the reason, so the shopper can try another method.
func (s *core) walletDeclined(ctx context.Context, p *paygate.Payment, d *draft, ref, code, msg string) (*paygate.Payment, error) {
	if d != nil && d.session != nil && p.Status == paygate.StatusPending {
		q, _, err := s.recordAttempt(ctx, p, ref, "", func(q *paygate.Payment, _ time.Time) {
			q.FailureCode, q.FailureMessage = code, msg
			q.Wallet, q.NextAction, q.AcquirerRef = nil, nil, ""
		})
		return q, err
	}
	q, _, err := s.recordAttempt(ctx, p, ref, paygate.StatusFailed, func(q *paygate.Payment, _ time.Time) {
		q.Wallet.Reference = ref
		q.Wallet.SettleAt = nil
		q.FailureCode, q.FailureMessage = code, msg
		q.ExpiresAt, q.NextAction = nil, nil
	}, s.completeSession(ctx, d))
	return q, err
}

// recordAttempt is record for an attempt: it writes only while ref is
// still the payment's open attempt (PENDING or REQUIRES_ACTION), and reports
// whether it wrote. With to "" the status stays (no event).
func (s *core) recordAttempt(ctx context.Context, p *paygate.Payment, ref string, to paygate.Status,
	set func(*paygate.Payment, time.Time), extra ...func(*paygate.Payment, *paygate.Change)) (*paygate.Payment, bool, error) {
	type recorded struct {
		p     *paygate.Payment
		wrote bool
	}
	out, err := retryStale(ctx, "payment "+p.TradeNo, func() (recorded, error) {
		if p.Wallet == nil || attemptRef(p) != ref || !p.Status.Open() {
			return recorded{p, false}, nil
		}
		q := *p
		w := *p.Wallet
		q.Wallet = &w
		now := s.now()
		c := paygate.Change{Payments: []*paygate.Payment{&q}}
		if to != "" {
			ev, err := q.Transition(to, now, paygate.RequestID(ctx))
			if err != nil {
				return recorded{p, false}, nil
			}
			c.Events = append(c.Events, ev)
		}
		q.UpdatedAt = now
		set(&q, now)
		q.Version++
		for _, add := range extra {
			if add != nil {
				add(&q, &c)
			}
		}
		if err := s.commitFresh(ctx, c, reload(ctx, s, &p)); err != nil {
			return recorded{}, err
		}
		return recorded{&q, true}, nil
	})
	return out.p, out.wrote, err
}

// sweepWallet resolves a direct wallet payment whose time came: it asks the
// wallet first (a "user paying" code, or an answer that never reached us),
// and closes and expires what is still unpaid. It reports whether the
// payment was closed.
func (s *core) sweepWallet(ctx context.Context, p *paygate.Payment) (bool, error) {
	ref := attemptRef(p)
	res, err := s.wallets.QueryOrder(ctx, walletQuery(p))
	if err != nil {
		s.log.WarnContext(ctx, "wallet query failed", "tradeNo", p.TradeNo, "err", err)
		return false, nil
	}
	switch res.State {
	case acquirer.WalletPaid, acquirer.WalletDeclined:
		q, err := s.walletAnswer(ctx, p, nil, ref, res)
		if err != nil {
			return false, err
		}
		return q.Status != p.Status, nil
	case acquirer.WalletPaying:
		if s.now().Before(p.CreatedAt.Add(s.cfg.ActionTTL)) {
			_, err := s.walletAnswer(ctx, p, nil, ref, res)
			return false, err
		}
	}
	// Unpaid at its deadline: closed at the wallet first, so that it cannot
	// be paid after we expire it.
	if r, err := s.wallets.CloseOrder(ctx, walletQuery(p)); err != nil || !r.Approved {
		s.log.WarnContext(ctx, "wallet close failed", "tradeNo", p.TradeNo, "err", err, "message", r.Message)
		return false, nil
	}
	_, ok, err := s.recordAttempt(ctx, p, ref, paygate.StatusExpired, func(q *paygate.Payment, _ time.Time) {
		q.ExpiresAt, q.NextAction, q.ClaimedUntil = nil, nil, nil
		q.Wallet.SettleAt = nil
	})
	return ok, err
}

// refreshWallet brings a direct wallet payment up to date before an inquiry
// answers, when its time came and the sweep has not run yet.
func (s *core) refreshWallet(ctx context.Context, p *paygate.Payment) *paygate.Payment {
	if p.Wallet == nil || s.wallets == nil || p.SessionID != "" || p.ExpiresAt == nil || s.now().Before(*p.ExpiresAt) ||
		!p.Status.Open() {
		return p
	}
	if _, err := s.sweepWallet(ctx, p); err != nil {
		s.log.WarnContext(ctx, "wallet refresh failed", "tradeNo", p.TradeNo, "err", err)
		return p
	}
	if q, err := s.store.Payment(ctx, p.MerchantID, p.TradeNo); err == nil {
		return q
	}
	return p
}

// closeWallet closes a payment's open wallet order before it is cancelled.
func (s *core) closeWallet(ctx context.Context, p *paygate.Payment) error {
	if p.Wallet == nil || s.wallets == nil || !p.Status.Open() {
		return nil
	}
	res, err := s.wallets.CloseOrder(ctx, walletQuery(p))
	if err != nil {
		return paygate.Internal("wallet close", err)
	}
	if !res.Approved {
		return paygate.Errorf(paygate.EInvalidState, "the wallet refused to close the order: %s", res.Message)
	}
	return nil
}

// refundAt sends a refund to whoever holds the payment's money: the wallet,
// or the card acquirer (cards and device wallets).
func (s *core) refundAt(ctx context.Context, p *paygate.Payment, reference string, amount paygate.Money) (acquirer.Result, error) {
	if p.Wallet != nil && s.wallets != nil {
		return s.wallets.RefundOrder(ctx, walletQuery(p), reference, amount)
	}
	return s.acquirer.Refund(ctx, p.AcquirerRef, reference, amount)
}

// walletToken names an attempt in the URLs of its QR image and wallet page:
// merchant, tradeNo and reference with a MAC, unguessable and unforgeable.
func (s *core) walletToken(merchantID, tradeNo, ref string) string {
	id := merchantID + "|" + tradeNo + "|" + ref
	return base64.RawURLEncoding.EncodeToString([]byte(id)) + "." + s.pageMAC("wallet|"+id)
}

func (s *core) walletPageURL(p *paygate.Payment, ref string) string {
	return s.cfg.BaseURL + "/wallet/pay/" + s.walletToken(p.MerchantID, p.TradeNo, ref)
}

// WalletPage is what the sandbox wallet page and the QR image serve.
type WalletPage struct {
	Payment      *paygate.Payment
	Session      *paygate.Session // nil for a direct API payment
	Method       paygate.WalletMethod
	MerchantName string
	Reference    string // the attempt the page is for
	// Open: the attempt is the payment's current one and can still be
	// paid, unless Expired.
	Open bool
	// Expired: the attempt's time ran out, even if the sweep has not run.
	Expired bool
	// Simulated: the connector is the sandbox, whose page approves and
	// declines for the shopper.
	Simulated bool
}

// WalletPage loads the attempt a token names.
//
// Errors: not_found.
func (s *Wallets) WalletPage(ctx context.Context, token string) (*WalletPage, error) {
	body, mac, ok := strings.Cut(strings.TrimSuffix(token, ".png"), ".")
	raw, canonical := decodeToken(body)
	if !ok || !canonical || !hmac.Equal([]byte(mac), []byte(s.pageMAC("wallet|"+string(raw)))) {
		return nil, paygate.Errorf(paygate.ENotFound, "no such wallet order")
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 {
		return nil, paygate.Errorf(paygate.ENotFound, "no such wallet order")
	}
	p, err := s.store.Payment(ctx, parts[0], parts[1])
	if err != nil {
		return nil, notFound(err, "wallet order", "")
	}
	m, err := s.store.Merchant(ctx, p.MerchantID)
	if err != nil {
		return nil, err
	}
	method, _ := paygate.LookupWalletMethod(p.PaymentMethodType)
	wp := &WalletPage{Payment: p, Method: method, MerchantName: m.Name, Reference: parts[2]}
	_, wp.Simulated = s.wallets.(acquirer.WalletSimulator)
	wp.Open = p.Wallet != nil && attemptRef(p) == parts[2] && p.NextAction != nil &&
		p.Status.Open()
	now := s.now()
	if p.SessionID != "" {
		if wp.Session, err = s.store.Session(ctx, p.MerchantID, p.SessionID); err != nil {
			return nil, err
		}
		wp.Expired = wp.Session.Status == paygate.SessionExpired || !now.Before(wp.Session.ExpiresAt)
	} else {
		wp.Expired = p.Status == paygate.StatusExpired || p.ExpiresAt != nil && !now.Before(*p.ExpiresAt)
	}
	return wp, nil
}

// WalletQR returns the QR payload of an open attempt, for its image.
//
// Errors: not_found (unknown, closed or expired).
func (s *Wallets) WalletQR(ctx context.Context, token string) (string, error) {
	wp, err := s.WalletPage(ctx, token)
	if err != nil {
		return "", err
	}
	if !wp.Open || wp.Expired || wp.Payment.NextAction.QRCode == "" {
		return "", paygate.Errorf(paygate.ENotFound, "this QR code is no longer open")
	}
	return wp.Payment.NextAction.QRCode, nil
}

// ErrWalletExpired is in the chain of the invalid_state error of an answer
// to a wallet order that ran out of time: test with errors.Is.
var ErrWalletExpired = errors.New("the wallet order expired")

// SimulateWallet takes the sandbox shopper's answer on the wallet page:
// approve (paying from account: acquirer.SandboxBalance or SandboxCredit)
// or decline. An attempt that is closed, superseded or past its time is
// refused (an expired direct payment becomes EXPIRED at once).
//
// Errors: not_found (unknown token, or not the sandbox), invalid_state.
func (s *Wallets) SimulateWallet(ctx context.Context, token string, approve bool, account string) (*paygate.Payment, error) {
	wp, err := s.WalletPage(ctx, token)
	if err != nil {
		return nil, err
	}
	sim, ok := s.wallets.(acquirer.WalletSimulator)
	if !ok {
		return nil, paygate.Errorf(paygate.ENotFound, "no such wallet order")
	}
	p := wp.Payment
	ctx = paygate.WithMerchantID(ctx, p.MerchantID)
	if !wp.Open {
		return p, paygate.Errorf(paygate.EInvalidState, "payment %s is %s; this wallet order can no longer be paid", p.TradeNo, p.Status)
	}
	if wp.Expired {
		if p.SessionID == "" {
			if _, err := s.sweepWallet(ctx, p); err != nil {
				return nil, err
			}
			if q, err := s.store.Payment(ctx, p.MerchantID, p.TradeNo); err == nil {
				p = q
			}
		}
		err := paygate.Errorf(paygate.EInvalidState, "payment %s has expired; this wallet order can no longer be paid", p.TradeNo)
		err.Err = ErrWalletExpired
		return p, err
	}
	res, err := sim.Simulate(ctx, acquirer.SimulateRequest{Method: p.PaymentMethodType, Reference: wp.Reference,
		Amount: p.Amount, LimitPayMethod: p.Wallet.LimitPayMethod, Account: account, Approve: approve})
	if err != nil {
		return p, paygate.Internal("simulate", err)
	}
	return s.walletAnswer(ctx, p, &draft{payment: p, session: wp.Session}, wp.Reference, res)
}

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
	page, err := s.CheckoutPage(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	sess, p := page.Session, page.Payment
	if page.Expired || sess.Status != paygate.SessionOpen {
		return p, paygate.Errorf(paygate.EInvalidState, "the checkout session is %s", strings.ToLower(string(orStatus(sess, page.Expired))))
	}
	ctx = paygate.WithMerchantID(ctx, sess.MerchantID)
	if p.Status != paygate.StatusPending {
		return p, nil
	}
	if p.ClaimedUntil != nil { // a card attempt is in flight or its outcome unknown (see Pay)
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
