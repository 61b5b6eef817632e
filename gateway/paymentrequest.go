package gateway

import (
	"strconv"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/card"
	"paygate/wire"
)

func (s *core) validateCreate(req *wire.CreatePaymentRequest, now time.Time) (*draft, error) {
	o, err := s.validateOrder(req)
	if err != nil {
		return nil, err
	}
	if req.PaymentMethodType != paygate.MethodCard {
		return s.validateWallet(req, o.amount, o.capture, o.fraud, o.actionTTL)
	}
	return s.validateCard(req, o, now)
}

// orderParts are a create-payment request's parts common to every method,
// validated.
type orderParts struct {
	amount    paygate.Money
	capture   paygate.CaptureMethod // captureMethod, or card.captureMethod for a payment by card
	fraud     paygate.FraudMode
	threeDS   paygate.ThreeDSMode
	actionTTL time.Duration
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
	// The card object names the capture of a payment by card: card, and the
	// device wallets, which pay with a card. Other methods ignore it.
	if req.Card != nil && req.Card.CaptureMethod != "" && paysByCard(req.PaymentMethodType) {
		if req.CaptureMethod != "" && req.CaptureMethod != req.Card.CaptureMethod {
			c.capture("card.captureMethod", req.Card.CaptureMethod)
			c.fail("card.captureMethod", "card.captureMethod must match captureMethod")
		}
		o.capture = c.capture("card.captureMethod", req.Card.CaptureMethod)
	}
	c.length("description", req.Description, 1, 50)
	c.length("billingDesc", req.BillingDesc, 1, 128)
	o.actionTTL = c.minutes("expiryTime", req.ExpiryTime, 1, 1440, s.cfg.ActionTTL)
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
	three := c.threeDsData(req.ThreeDsData, brand)
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
		storeReason: storeReason(req.Billing),
	}, nil
}

// paysByCard reports whether a paymentMethodType is paid with a card: card,
// Apple Pay and Google Pay.
func paysByCard(method string) bool {
	m, ok := paygate.LookupWalletMethod(method)
	return method == paygate.MethodCard || ok && m.Device
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
// shifts when the issuer authenticated (Y) or attempted (A) with an ECI of
// the card's brand that says so. A missing version stays missing.
func (c *checker) threeDsData(t *wire.ThreeDsData, brand card.Brand) *paygate.ThreeDS {
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
		brand.ShiftsLiability(t.Eci)
	return &paygate.ThreeDS{Version: t.DsVersion, ECI: t.Eci, CAVV: t.Cavv,
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

// storeReason is the series a card stored by this payment is for, when it
// stores one.
func storeReason(b *wire.Billing) string {
	if b == nil || b.StoredCredentials != "store" {
		return ""
	}
	return b.CustomerInitiatedReason
}
