package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/card"
	"paygate/wire"
)

// cardSecret is what the vault seals for a stored card.
type cardSecret struct {
	PAN        string `json:"pan"`
	HolderName string `json:"holderName,omitempty"`
}

func storedCardAAD(merchantID, txID string) []byte {
	return []byte("stored-card/" + merchantID + "/" + txID)
}

// newStoredCard seals the draft's card for the vault. The CVC is not kept.
func (s *core) newStoredCard(p *paygate.Payment, d *draft) *paygate.StoredCard {
	now := p.UpdatedAt
	sc := &paygate.StoredCard{TransactionIdentifier: randomDigits(32), MerchantID: p.MerchantID,
		Status: paygate.StoredCardActive, Version: 1, Brand: p.Card.Brand, BIN: p.Card.BIN, Last4: p.Card.Last4,
		ExpiryMonth: d.card.ExpiryMonth, ExpiryYear: d.card.ExpiryYear, Fingerprint: p.Card.Fingerprint,
		KeyID: s.vault.KeyID(), Currency: p.Amount.Currency, FirstTradeNo: p.TradeNo,
		SchemeTransactionID: p.SchemeTransactionID, CreatedAt: now, UpdatedAt: now}
	plain, _ := json.Marshal(cardSecret{PAN: d.card.Number, HolderName: d.card.HolderName})
	sealed, err := s.vault.Seal(plain, storedCardAAD(sc.MerchantID, sc.TransactionIdentifier))
	if err != nil {
		panic(err) // sealing a few bytes cannot fail
	}
	sc.Sealed = sealed
	return sc
}

// openStoredCard decrypts a stored card's number and holder name.
// renewedCard rebuilds the expiry update u (a newer expiry for a stored
// card) on the stored card as it is now; nil when there is nothing to update:
// the card is gone or revoked, or already has that expiry or a later one.
func (s *core) renewedCard(ctx context.Context, u *paygate.StoredCard) *paygate.StoredCard {
	cur, err := s.store.StoredCard(ctx, u.MerchantID, u.TransactionIdentifier)
	if err != nil || cur.Status != paygate.StoredCardActive {
		return nil
	}
	if cur.ExpiryYear > u.ExpiryYear || cur.ExpiryYear == u.ExpiryYear && cur.ExpiryMonth >= u.ExpiryMonth {
		return nil
	}
	v := *cur
	v.ExpiryMonth, v.ExpiryYear = u.ExpiryMonth, u.ExpiryYear
	v.Version++
	v.UpdatedAt = s.now()
	return &v
}

func (s *core) openStoredCard(sc *paygate.StoredCard) (cardSecret, error) {
	var cs cardSecret
	plain, err := s.vault.Open(sc.Sealed, storedCardAAD(sc.MerchantID, sc.TransactionIdentifier))
	if err != nil {
		return cs, paygate.Internal("open stored card", fmt.Errorf("stored card %s: %w", sc.TransactionIdentifier, err))
	}
	err = json.Unmarshal(plain, &cs)
	return cs, err
}

// CreateTokenPayment charges a stored card. With customerInitiatedReason it
// is a merchant-initiated payment (no CVC, no 3-D Secure); without, a
// customer-initiated payment with a stored card, where threeDsMode applies.
// orderNo idempotency is as for CreatePayment.
//
// Errors: invalid_parameter, not_found (unknown or revoked transactionIdentifier),
// duplicate_order_no.
func (s *StoredCards) CreateTokenPayment(ctx context.Context, req *wire.TokenPaymentRequest) (*paygate.Payment, bool, error) {
	merchantID := paygate.MerchantID(ctx)
	now := s.now()
	mode, capture, err := s.checkTokenRequest(req)
	if err != nil {
		return nil, false, err
	}
	sc, replay, err := s.activeStoredCard(ctx, merchantID, req)
	if replay != nil || err != nil {
		return replay, false, err
	}
	month, year, expired, err := tokenExpiry(req, sc, now)
	if err != nil {
		return nil, false, err
	}
	secret, err := s.openStoredCard(sc)
	if err != nil {
		return nil, false, err
	}
	if req.CardNo != "" && subtle.ConstantTimeCompare([]byte(req.CardNo), []byte(secret.PAN)) != 1 {
		return nil, false, paygate.InvalidParam("cardNo", "cardNo does not match the stored card")
	}
	currency := orDefault(req.Currency, sc.Currency)
	if _, err := paygate.ParseCurrency(currency); err != nil {
		return nil, false, paygate.InvalidParam("currency", "currency %s", err.Error())
	}
	amount, perr := amountParam("amount", req.Amount, currency)
	if perr != nil {
		return nil, false, perr
	}
	// A re-issued card: newer expiry replaces the stored one, in the
	// payment's commit.
	var update *paygate.StoredCard
	if !expired && (year > sc.ExpiryYear || year == sc.ExpiryYear && month > sc.ExpiryMonth) {
		u := *sc
		u.ExpiryMonth, u.ExpiryYear = month, year
		u.Version++
		u.UpdatedAt = now
		update = &u
		sc = &u
	}
	initiator := tokenInitiator(req, &mode)
	p := &paygate.Payment{
		MerchantID: merchantID, OrderNo: req.OrderNo, Amount: amount, PaymentMethodType: paygate.MethodCard,
		CaptureMethod: capture, Description: req.Description,
		FraudMode: paygate.FraudOff, NotificationURL: req.NotificationURL, ThreeDS: &paygate.ThreeDS{Mode: mode},
		Card: &paygate.CardDetails{Brand: sc.Brand, BIN: sc.BIN, Last4: sc.Last4, ExpiryMonth: sc.ExpiryMonth,
			ExpiryYear: sc.ExpiryYear, HolderName: secret.HolderName, Fingerprint: sc.Fingerprint},
		TransactionIdentifier: sc.TransactionIdentifier,
		StoredCredential: &paygate.StoredCredential{TransactionIdentifier: sc.TransactionIdentifier,
			Reason: req.CustomerInitiatedReason, Initiator: initiator},
		DeviceInfo: rawJSON(req.DeviceInfo), Metadata: rawJSON(req.Metadata),
		RequestHash: s.requestHash(req),
	}
	d := &draft{payment: p, storedCard: sc, actionTTL: s.cfg.ActionTTL, expiredCard: expired, storedUpdate: update,
		card: acquirer.Card{Number: secret.PAN, ExpiryMonth: sc.ExpiryMonth, ExpiryYear: sc.ExpiryYear,
			HolderName: secret.HolderName, Brand: sc.Brand}}
	return s.createAndAuthorize(ctx, d)
}

// tokenInitiator decides who starts a token payment. Without a reason the
// customer is present and threeDsMode applies. With one the payment is
// merchant-initiated and skips 3-D Secure (no customer to authenticate),
// unless threeDsMode asks for auto or standard: then the customer is taken
// to be present, 3-D Secure runs as asked, and the payment is a
// customer-initiated one of the reason's series. mode is set to what runs.
func tokenInitiator(req *wire.TokenPaymentRequest, mode *paygate.ThreeDSMode) string {
	if req.CustomerInitiatedReason == "" {
		return "customer"
	}
	if req.ThreeDsMode == "" {
		*mode = paygate.ThreeDSOff // the default of a merchant-initiated payment
	}
	if *mode == paygate.ThreeDSOff {
		return "merchant"
	}
	return "customer"
}

// checkTokenRequest checks a token payment's fields that need no stored
// card, and parses its choices.
func (s *StoredCards) checkTokenRequest(req *wire.TokenPaymentRequest) (paygate.ThreeDSMode, paygate.CaptureMethod, error) {
	var c checker
	c.reference("orderNo", req.OrderNo)
	if req.TransactionIdentifier != "" {
		c.reference("transactionIdentifier", req.TransactionIdentifier)
	} else if req.CardNo == "" {
		c.fail("transactionIdentifier", "transactionIdentifier is required, or cardNo with the card's expiry")
	}
	c.oneOf("customerInitiatedReason", req.CustomerInitiatedReason, paygate.ReasonRecurring, paygate.ReasonInstalment, paygate.ReasonUnscheduled)
	c.length("description", req.Description, 1, 50)
	mode := c.threeDS("threeDsMode", req.ThreeDsMode)
	capture := c.capture("captureMethod", req.CaptureMethod)
	s.checkNotifyURL(&c, "notificationUrl", req.NotificationURL)
	c.metadata("metadata", req.Metadata)
	if req.DeviceInfo != nil {
		c.device("deviceInfo", req.DeviceInfo)
	}
	c.required("expiryMonth", req.ExpiryMonth)
	c.required("expiryYear", req.ExpiryYear)
	if req.CardNo != "" {
		if _, err := card.CheckNumber(req.CardNo); err != nil {
			c.fail("cardNo", "cardNo is not a valid card number")
		}
	}
	if c.err != nil {
		return "", "", c.err
	}
	return mode, capture, nil
}

// activeStoredCard loads the request's stored card. When it is gone (never
// stored, or revoked), a repeated orderNo still answers the stored payment
// (or duplicate_order_no) as replay; any other request is not_found. (With
// the card active, the insert's conflict finds a repeated orderNo, at no
// extra read.)
func (s *StoredCards) activeStoredCard(ctx context.Context, merchantID string, req *wire.TokenPaymentRequest) (sc *paygate.StoredCard, replay *paygate.Payment, err error) {
	sc, err = s.findStoredCard(ctx, merchantID, req)
	if err != nil && !isCode(err, paygate.ENotFound) {
		return nil, nil, err
	}
	if err == nil && sc.Status == paygate.StoredCardActive {
		return sc, nil, nil
	}
	existing, err := s.store.PaymentByOrderNo(ctx, merchantID, req.OrderNo)
	if err == nil {
		p, err := s.replayPayment(ctx, existing, s.requestHash(req))
		if err != nil {
			return nil, nil, err
		}
		return nil, p, nil
	}
	if !isCode(err, paygate.ENotFound) {
		return nil, nil, err
	}
	if req.TransactionIdentifier == "" {
		return nil, nil, &paygate.Error{Code: paygate.ENotFound, Param: "cardNo",
			Message: "no stored card with this cardNo and expiry; store it with a payment first, or give its transactionIdentifier"}
	}
	return nil, nil, paygate.Errorf(paygate.ENotFound, "no stored card %s", req.TransactionIdentifier)
}

// findStoredCard finds the request's stored card: by its
// transactionIdentifier, or else by the card number's fingerprint and the
// expiry given (the newest such card). Revoked cards have no fingerprint.
func (s *StoredCards) findStoredCard(ctx context.Context, merchantID string, req *wire.TokenPaymentRequest) (*paygate.StoredCard, error) {
	if req.TransactionIdentifier != "" {
		return s.store.StoredCard(ctx, merchantID, req.TransactionIdentifier)
	}
	cards, err := s.store.StoredCardsByFingerprint(ctx, merchantID, s.vault.Fingerprint(req.CardNo))
	if err != nil {
		return nil, err
	}
	month, _ := strconv.Atoi(req.ExpiryMonth)
	year, _ := strconv.Atoi(req.ExpiryYear)
	if year < 100 {
		year += 2000 // two digits mean 20YY, as card.CheckExpiry reads them
	}
	for _, sc := range cards {
		if sc.ExpiryMonth == month && sc.ExpiryYear == year {
			return sc, nil
		}
	}
	return nil, paygate.Errorf(paygate.ENotFound, "no stored card")
}

// tokenExpiry checks the expiry a token payment gives. The stored card's
// own expiry, once passed, is not an error: the card on file has run out,
// the issuer would decline, so the payment fails (expired) rather than the
// request, and the merchant must ask for a new expiry.
func tokenExpiry(req *wire.TokenPaymentRequest, sc *paygate.StoredCard, now time.Time) (month, year int, expired bool, err error) {
	month, year, expErr := card.CheckExpiry(req.ExpiryMonth, req.ExpiryYear, now)
	if expErr == nil {
		return month, year, false, nil
	}
	m, _ := strconv.Atoi(req.ExpiryMonth)
	y, _ := strconv.Atoi(req.ExpiryYear)
	if len(req.ExpiryYear) == 2 {
		y += 2000 // as card.CheckExpiry reads two-digit years
	}
	if errors.Is(expErr, card.ErrExpired) && m == sc.ExpiryMonth && y == sc.ExpiryYear {
		return m, y, true, nil
	}
	return 0, 0, false, cardProblemAt("", expErr)
}

// RevokeStoredCard erases a stored card's data: later token payments with it
// are not_found. Payments made with it are kept.
//
// Errors: not_found.
func (s *StoredCards) RevokeStoredCard(ctx context.Context, txID string) (*paygate.StoredCard, error) {
	merchantID := paygate.MerchantID(ctx)
	return retryStale(ctx, "stored card "+txID, func() (*paygate.StoredCard, error) {
		sc, err := s.store.StoredCard(ctx, merchantID, txID)
		if err != nil && !isCode(err, paygate.ENotFound) {
			return nil, err
		}
		if err != nil || sc.Status != paygate.StoredCardActive {
			return nil, paygate.Errorf(paygate.ENotFound, "no stored card %s", txID)
		}
		u := *sc
		u.Status = paygate.StoredCardRevoked
		u.Sealed, u.Fingerprint = nil, ""
		u.ExpiryMonth, u.ExpiryYear = 0, 0
		u.Version++
		u.UpdatedAt = s.now()
		if err := stale(s.store.Apply(ctx, paygate.Change{StoredCards: []*paygate.StoredCard{&u}})); err != nil {
			return nil, err
		}
		return &u, nil
	})
}

// RekeyReport says what Rekey did.
type RekeyReport struct {
	Moved          int      `json:"moved"`          // rows re-encrypted to the current key
	AlreadyCurrent int      `json:"alreadyCurrent"` // rows already under the current key
	Unreadable     []string `json:"unreadable"`     // rows no configured key can open, by kind/id
}

// Rekey re-encrypts every sealed row (stored cards, merchants' notification
// secrets and the replaced ones still kept, subscriptions' secrets) to the
// current vault key, in batches of
// batch rows, each row its own compare-and-set write: it is safe to interrupt
// and run again. A row no key can open is reported, never skipped silently.
func (s *StoredCards) Rekey(ctx context.Context, batch int) (RekeyReport, error) {
	rep := RekeyReport{Unreadable: []string{}}
	for after := ""; ; {
		cards, err := s.store.StoredCardsAfter(ctx, after, batch)
		if err != nil {
			return rep, err
		}
		if len(cards) == 0 {
			break
		}
		for _, sc := range cards {
			after = sc.TransactionIdentifier
			switch res, err := s.rekeyCard(ctx, sc); {
			case err != nil:
				return rep, err
			case res == rekeyMoved:
				rep.Moved++
			case res == rekeyCurrent:
				rep.AlreadyCurrent++
			case res == rekeyUnreadable:
				rep.Unreadable = append(rep.Unreadable, "stored_card/"+sc.TransactionIdentifier)
			}
		}
	}
	// The merchants' current notification secrets go before the replaced
	// ones: a rotation meanwhile then moves a secret already under the
	// current key into the replaced slot, and the replaced slot's
	// compare-and-set on the old key id leaves it alone.
	for _, k := range sealedKinds {
		if err := s.rekeySecrets(ctx, k.kind, k.aadPrefix, batch, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// sealedKinds are the kinds of sealed secret Rekey moves, in its order, and
// the prefix of each one's additional data. A replaced notification secret
// keeps the additional data it was sealed with.
var sealedKinds = []struct{ kind, aadPrefix string }{
	{"merchant", "merchant-notify/"},
	{"merchant-prev", "merchant-notify/"},
	{"subscription", "subscription/"},
	{"connector", "connector/"},
}

// rekeySecrets reseals every secret of kind under the current key, counting
// in rep.
func (s *StoredCards) rekeySecrets(ctx context.Context, kind, aadPrefix string, batch int, rep *RekeyReport) error {
	current := s.vault.KeyID()
	for after := ""; ; {
		secrets, err := s.store.SealedSecretsAfter(ctx, kind, after, batch)
		if err != nil || len(secrets) == 0 {
			return err
		}
		for _, x := range secrets {
			after = x.ID
			aad := []byte(aadPrefix + x.ID)
			plain, keyID, err := s.vault.OpenKeyID(x.Sealed, aad)
			if err != nil {
				rep.Unreadable = append(rep.Unreadable, kind+"/"+x.ID)
				continue
			}
			if keyID == current && x.KeyID == current {
				rep.AlreadyCurrent++
				continue
			}
			old := x.KeyID
			x.Sealed, _ = s.vault.Seal(plain, aad)
			x.KeyID = current
			if err := s.store.ResealSecret(ctx, x, old); err != nil && !isCode(err, paygate.EConflict) {
				return err
			} else if err == nil {
				rep.Moved++
			}
		}
	}
}

type rekeyResult int

const (
	rekeyRevoked rekeyResult = iota // nothing left to encrypt
	rekeyMoved
	rekeyCurrent
	rekeyUnreadable
)

// rekeyCard reseals one stored card under the current key. A payment may
// change the card meanwhile (a renewed expiry): then it reads it again and
// reseals that copy.
func (s *core) rekeyCard(ctx context.Context, sc *paygate.StoredCard) (rekeyResult, error) {
	current := s.vault.KeyID()
	return retryStale(ctx, "stored card "+sc.TransactionIdentifier, func() (rekeyResult, error) {
		if sc.Sealed == nil {
			return rekeyRevoked, nil
		}
		aad := storedCardAAD(sc.MerchantID, sc.TransactionIdentifier)
		plain, keyID, err := s.vault.OpenKeyID(sc.Sealed, aad)
		if err != nil {
			return rekeyUnreadable, nil
		}
		if keyID == current && sc.KeyID == current {
			return rekeyCurrent, nil
		}
		var cs cardSecret
		if err := json.Unmarshal(plain, &cs); err != nil {
			return rekeyUnreadable, nil
		}
		u := *sc
		u.Sealed, _ = s.vault.Seal(plain, aad)
		u.KeyID = current
		u.Fingerprint = s.vault.Fingerprint(cs.PAN)
		u.Version++
		u.UpdatedAt = s.now()
		err = stale(s.store.Apply(ctx, paygate.Change{StoredCards: []*paygate.StoredCard{&u}}))
		if err == errStale {
			if sc, err = s.store.StoredCard(ctx, sc.MerchantID, sc.TransactionIdentifier); err == nil {
				err = errStale
			}
		}
		if err != nil {
			return 0, err
		}
		return rekeyMoved, nil
	})
}
