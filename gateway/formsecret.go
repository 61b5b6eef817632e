package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"paygate"
	"paygate/notify"
	"paygate/wire"
)

// Form-bound secrets. A dashboard form that makes a secret (a rotation, a
// webhook subscription, a merchant) carries a key made when the page was
// drawn, and the secret is derived from that key under the master key. The
// same form sent twice (a double click, a reload) derives the same secret,
// finds its work done and answers it again, instead of acting twice and
// losing the first secret: without keeping the secret anywhere but where it
// is always kept.

// formKeyTTL is how long a form's key makes secrets: an old page sent
// again does not bring back the secret it made.
const formKeyTTL = time.Hour

// NewFormKey is a form's key: its time and 64 random bits, 24 hex digits.
func (s *Users) NewFormKey() string {
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand)
	return fmt.Sprintf("%08x", uint32(s.now().Unix())) + hex.EncodeToString(b)
}

// checkFormKey refuses a key NewFormKey did not make, or made over an hour
// ago.
func (s *core) checkFormKey(key string) error {
	if len(key) != 24 {
		return errFormKey
	}
	if _, err := hex.DecodeString(key); err != nil {
		return errFormKey
	}
	sec, _ := strconv.ParseUint(key[:8], 16, 32)
	age := s.now().Sub(time.Unix(int64(sec), 0))
	if age > formKeyTTL || age < -time.Minute {
		return errFormKey
	}
	return nil
}

var errFormKey = paygate.InvalidParam("key", "this form is out of date; load the page again")

// formBytes derives n bytes for purpose and id from a form's key.
func (s *core) formBytes(purpose, id, key string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		m := hmac.New(sha256.New, s.vault.TokenKey())
		fmt.Fprintf(m, "form|%s|%s|%s|%d", purpose, id, key, i)
		out = m.Sum(out)
	}
	return out[:n]
}

// formDigits derives n decimal digits, each equally likely.
func (s *core) formDigits(purpose, id, key string, n int) string {
	var b strings.Builder
	for _, x := range s.formBytes(purpose, id, key, 4*n) {
		if x < 250 && b.Len() < n {
			b.WriteByte('0' + x%10)
		}
	}
	for b.Len() < n { // 4n bytes all over 249: practically never
		b.WriteByte('0')
	}
	return b.String()
}

// RotateSecretForm is RotateSecret for a dashboard form: the new secret is
// derived from formKey, so the form sent again answers the same rotation.
//
// Errors: invalid_parameter (grace, key), not_found, conflict.
func (s *Merchants) RotateSecretForm(ctx context.Context, id string, grace time.Duration, formKey string) (*RotatedSecret, error) {
	if err := s.checkFormKey(formKey); err != nil {
		return nil, err
	}
	if grace < 0 || grace > MaxGrace {
		return nil, paygate.InvalidParam("grace", "grace must be from 0s to 168h (7 days)")
	}
	secret := strings.ToUpper(hex.EncodeToString(s.formBytes("api-secret", id, formKey, 16)))
	// done answers the rotation this form made, if it made one.
	done := func() (*RotatedSecret, bool, error) {
		m, err := s.store.Merchant(ctx, id)
		if err != nil || !verifySecret(m.SecretHash, secret) {
			return nil, false, err
		}
		return &RotatedSecret{MerchantID: m.ID, AppID: m.AppID, Secret: secret, PrevSecretUntil: s.merchantInfo(m).PrevSecretUntil}, true, nil
	}
	if rs, ok, err := done(); ok || err != nil {
		return rs, err
	}
	m, err := s.store.Merchant(ctx, id)
	if err != nil {
		return nil, err
	}
	rs, err := s.rotateSecretTo(ctx, m, grace, secret)
	if isCode(err, paygate.EConflict) { // the same form at the same time, or another rotation
		if rs, ok, derr := done(); ok || derr != nil {
			return rs, derr
		}
	}
	return rs, err
}

// RotateNotifySecretForm is RotateNotifySecret for a dashboard form, as
// RotateSecretForm is RotateSecret's.
//
// Errors: invalid_parameter (grace, key), not_found, conflict.
func (s *Merchants) RotateNotifySecretForm(ctx context.Context, id string, grace time.Duration, formKey string) (*RotatedNotifySecret, error) {
	if err := s.checkFormKey(formKey); err != nil {
		return nil, err
	}
	if grace < 0 || grace > MaxGrace {
		return nil, paygate.InvalidParam("grace", "grace must be from 0s to 168h (7 days)")
	}
	key := s.formBytes("notify-secret", id, formKey, 32)
	done := func() (*paygate.Merchant, *RotatedNotifySecret, error) {
		m, err := s.store.Merchant(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if cur, err := s.vault.Open(m.NotifySecretSealed, []byte("merchant-notify/"+m.ID)); err == nil && hmac.Equal(cur, key) {
			return m, &RotatedNotifySecret{MerchantID: m.ID, NotifySecret: notify.FormatSecret(key),
				PrevNotifySecretUntil: s.merchantInfo(m).PrevNotifyUntil}, nil
		}
		return m, nil, nil
	}
	m, rs, err := done()
	if rs != nil || err != nil {
		return rs, err
	}
	rs, err = s.rotateNotifySecretTo(ctx, m, grace, key)
	if isCode(err, paygate.EConflict) {
		if _, again, derr := done(); again != nil || derr != nil {
			return again, derr
		}
	}
	return rs, err
}

// CreateSubscriptionForm is CreateSubscription for a dashboard form: the
// subscription's id and secret are derived from formKey, so the form sent
// again answers the subscription it made.
//
// Errors: as CreateSubscription's, and invalid_parameter (key).
func (s *Notifications) CreateSubscriptionForm(ctx context.Context, req *wire.SubscriptionRequest, formKey string) (*paygate.Subscription, string, error) {
	if err := s.checkFormKey(formKey); err != nil {
		return nil, "", err
	}
	merchantID := paygate.MerchantID(ctx)
	id := "S" + s.formDigits("subscription-id", merchantID, formKey, 20)
	key := s.formBytes("subscription-secret", merchantID, formKey, 32)
	if sub, err := s.store.Subscription(ctx, merchantID, id); err == nil {
		return sub, notify.FormatSecret(key), nil
	} else if !isCode(err, paygate.ENotFound) {
		return nil, "", err
	}
	sub, secret, err := s.createSubscription(ctx, req, id, key)
	if isCode(err, paygate.EConflict) { // the same form, at the same time
		if sub, err := s.store.Subscription(ctx, merchantID, id); err == nil {
			return sub, notify.FormatSecret(key), nil
		}
	}
	return sub, secret, err
}

// CreateMerchantForm is CreateMerchant for a dashboard form: the
// merchant's id, appId and secrets are derived from formKey, so the form
// sent again answers the merchant it made.
//
// Errors: invalid_parameter (name, key), conflict.
func (s *Merchants) CreateMerchantForm(ctx context.Context, name, formKey string) (*NewMerchant, error) {
	if err := s.checkFormKey(formKey); err != nil {
		return nil, err
	}
	id := "M" + s.formDigits("merchant-id", "", formKey, 20)
	secret := strings.ToUpper(hex.EncodeToString(s.formBytes("merchant-secret", id, formKey, 16)))
	notifyKey := s.formBytes("merchant-notify", id, formKey, 32)
	replay := func() (*NewMerchant, error) {
		m, err := s.store.Merchant(ctx, id)
		if err != nil {
			return nil, err
		}
		if !verifySecret(m.SecretHash, secret) {
			return nil, paygate.Errorf(paygate.EConflict, "merchant %s exists and is not this form's", id)
		}
		return &NewMerchant{Merchant: m, Secret: secret, NotifySecret: notify.FormatSecret(notifyKey)}, nil
	}
	if nm, err := replay(); !isCode(err, paygate.ENotFound) {
		return nm, err
	}
	nm, err := s.createMerchantWith(ctx, id, name, s.formDigits("merchant-app-id", id, formKey, 15), secret, notifyKey)
	if isCode(err, paygate.EConflict) {
		return replay()
	}
	return nm, err
}
