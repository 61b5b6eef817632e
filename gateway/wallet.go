package gateway

import (
	"context"
	"errors"
	"fmt"
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
	metadata                                      wire.MetadataValue
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
	c.metadataValue(name+".metadata", in.metadata)
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
		LiabilityShift: card.Brand(dc.Card.Brand).ShiftsLiability(dc.ECI)}
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
	if s.simulator != nil {
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
	out, err := retryOutcome(ctx, "payment "+p.TradeNo, func() (recorded, error) {
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
	return s.cardCall(ctx, p, func(a acquirer.Acquirer) (acquirer.Result, error) {
		return a.Refund(ctx, p.AcquirerRef, reference, amount)
	})
}
