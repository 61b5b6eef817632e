package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"paygate"
)

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes), fast enough for a
// token call and slow enough to make a stolen hash table expensive.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// NewMerchant is what merchant creation returns: the only time the secrets are shown.
type NewMerchant struct {
	Merchant     *paygate.Merchant
	Secret       string
	NotifySecret string // whsec_<base64 key>
}

// CreateMerchant creates a merchant with a new appId, secret and notification
// secret. The secret is stored only as an argon2id hash.
func (s *Merchants) CreateMerchant(ctx context.Context, name string) (*NewMerchant, error) {
	return s.createMerchant(ctx, newID("M", s.now(), 6), name)
}

// SandboxMerchantID is the id of the merchant serve creates on an empty
// database. It is fixed so that nodes starting together on one empty
// database create it once: the others' inserts conflict.
const SandboxMerchantID = "M00000000000000000001"

// CreateSandboxMerchant creates the sandbox merchant; EConflict if it
// exists (another node created it first).
func (s *Merchants) CreateSandboxMerchant(ctx context.Context) (*NewMerchant, error) {
	return s.createMerchant(ctx, SandboxMerchantID, "Sandbox merchant")
}

func (s *core) createMerchant(ctx context.Context, id, name string) (*NewMerchant, error) {
	notifyKey := make([]byte, 32)
	if _, err := rand.Read(notifyKey); err != nil {
		return nil, paygate.Internal("create merchant", err)
	}
	return s.createMerchantWith(ctx, id, name, randomDigits(15), randomHex(16), notifyKey)
}

// createMerchantWith creates a merchant with the id, appId and secrets given.
func (s *core) createMerchantWith(ctx context.Context, id, name, appID, secret string, notifyKey []byte) (*NewMerchant, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 128 {
		return nil, paygate.InvalidParam("name", "name must be 1-128 characters")
	}
	now := s.now()
	m := &paygate.Merchant{
		ID:         id,
		Name:       name,
		AppID:      appID,
		SecretHash: hashSecret(secret),
		KeyID:      s.vault.KeyID(),
		CreatedAt:  now,
	}
	sealed, err := s.vault.Seal(notifyKey, []byte("merchant-notify/"+m.ID))
	if err != nil {
		return nil, paygate.Internal("create merchant", err)
	}
	m.NotifySecretSealed = sealed
	if err := s.store.CreateMerchant(ctx, m); err != nil {
		return nil, err
	}
	return &NewMerchant{Merchant: m, Secret: secret,
		NotifySecret: "whsec_" + base64.StdEncoding.EncodeToString(notifyKey)}, nil
}

// IssueToken exchanges appId and secret for an access token; client is the
// caller's network address, which the guessing limits count by. Any
// mismatch, and a disabled merchant, is the same unauthorized error, in about
// the same time.
//
// Errors: invalid_parameter, unauthorized, rate_limited (with RetryAfter).
func (s *Merchants) IssueToken(ctx context.Context, appID, secret, client string) (token string, expiresIn int, err error) {
	if appID == "" {
		return "", 0, paygate.InvalidParam("appId", "appId is required")
	}
	if secret == "" {
		return "", 0, paygate.InvalidParam("secret", "secret is required")
	}
	g := s.guard
	client = clientKey(client)
	settle, wait := g.admit(appID, client)
	if wait > 0 {
		err := paygate.Errorf(paygate.ERateLimited, "too many failed token requests; retry after %d s", retryAfter(wait))
		err.RetryAfter = retryAfter(wait)
		return "", 0, err
	}
	// Settled on every way out, a panic of the hash included: a call
	// left admitted would hold its keys' one place for ever.
	result, exists := tokenUndecided, false
	defer func() { settle(result, exists) }()
	m, err := s.store.MerchantByAppID(ctx, appID)
	if err != nil && !isCode(err, paygate.ENotFound) {
		return "", 0, err
	}
	exists = m != nil
	ok := false
	if m == nil {
		g.pretendHash(ctx)
	} else if ok, err = g.timeHash(ctx, client, func() bool { return verifyAny(secret, s.secretHashes(m)...) }); err != nil {
		return "", 0, err
	}
	// A disabled merchant's right secret counts as a failure too: the
	// answers, and the back-off after them, must not confirm the secret.
	ok = ok && !m.Disabled()
	if !ok {
		result = tokenWrong
		return "", 0, paygate.Errorf(paygate.EUnauthorized, "appId or secret is wrong")
	}
	result = tokenRight
	exp := s.now().Add(s.cfg.TokenTTL)
	return s.signToken(m.ID, exp), int(s.cfg.TokenTTL / time.Second), nil
}

// Authenticate checks an access token and returns the merchant id it was issued to.
// Tokens are signed, not stored, so any node holding the master key can check
// them; whether the merchant is disabled is read from the store at most once a
// second per merchant and node, so a disabled merchant's tokens stop working
// within a second.
//
// Errors: unauthorized; internal or unavailable when the store does not answer.
func (s *Merchants) Authenticate(ctx context.Context, token string) (string, error) {
	unauth := paygate.Errorf(paygate.EUnauthorized, "access token is missing, invalid or expired")
	body, sig, ok := strings.Cut(strings.TrimPrefix(token, "pgt_"), ".")
	if !ok || !strings.HasPrefix(token, "pgt_") {
		return "", unauth
	}
	raw, ok := decodeToken(body)
	if !ok {
		return "", unauth
	}
	want := s.mac(raw)
	got, ok := decodeToken(sig)
	if !ok || !hmac.Equal(got, want) {
		return "", unauth
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 {
		return "", unauth
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !s.now().Before(time.Unix(exp, 0)) {
		return "", unauth
	}
	disabled, err := s.merchantDisabled(ctx, parts[0])
	if err != nil {
		return "", err
	}
	if disabled {
		return "", unauth
	}
	return parts[0], nil
}

// decodeToken decodes a part of a token or page link from outside, written
// in unpadded URL-safe base64, and accepts only the one spelling that
// encoding it again gives back: base64 alone also takes non-zero trailing
// bits and ignores line breaks, so many strings would decode to one token
// (and be one valid token to us but several to a cache, a log search or a
// revocation list). The comparison with the re-encoding is not constant-time,
// which is fine: both sides are the caller's own input.
func decodeToken(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

func (s *core) signToken(merchantID string, exp time.Time) string {
	raw := []byte(fmt.Sprintf("%s|%d|%s", merchantID, exp.Unix(), randomHex(8)))
	return "pgt_" + base64.RawURLEncoding.EncodeToString(raw) + "." + base64.RawURLEncoding.EncodeToString(s.mac(raw))
}

func (s *core) mac(b []byte) []byte {
	h := hmac.New(sha256.New, s.vault.TokenKey())
	h.Write(b)
	return h.Sum(nil)
}

// hashSecret returns a PHC-style argon2id string.
func hashSecret(secret string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(secret), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// secretHashes are the hashes of the secrets m's token calls may present:
// the current one, and the one the last rotation replaced while its grace
// lasts.
func (s *core) secretHashes(m *paygate.Merchant) []string {
	if m.PrevSecretGood(s.now()) {
		return []string{m.SecretHash, m.PrevSecretHash}
	}
	return []string{m.SecretHash}
}

// verifyAny reports whether secret matches one of hashes. They are checked
// at the same time, so that a wrong secret takes one hash's time whether or
// not the merchant is in a rotation's grace: as long as an unknown appId's
// answer waits (tokenGuard.pretendHash), which must not tell them apart.
// The caller holds a hash slot for them all.
func verifyAny(secret string, hashes ...string) bool {
	if len(hashes) == 1 {
		return verifySecret(hashes[0], secret)
	}
	others := make(chan bool, len(hashes)-1)
	for _, h := range hashes[1:] {
		go func() {
			defer func() {
				if recover() != nil { // a corrupt stored hash
					others <- false
				}
			}()
			others <- verifySecret(h, secret)
		}()
	}
	ok := verifySecret(hashes[0], secret)
	for range hashes[1:] {
		ok = <-others || ok
	}
	return ok
}

// verifySecret compares in constant time against a hash made by hashSecret.
// The caller holds a hash slot (tokenGuard).
func verifySecret(hash, secret string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(secret), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// randomDigits returns n random decimal digits, each equally likely.
func randomDigits(n int) string {
	b := make([]byte, 0, n)
	var buf [32]byte
	for len(b) < n {
		rand.Read(buf[:]) // never fails (crypto/rand)
		for _, x := range buf {
			// 250 is the largest multiple of 10 a byte holds: dropping the
			// bytes above it keeps the digits uniform.
			if x < 250 && len(b) < n {
				b = append(b, '0'+x%10)
			}
		}
	}
	return string(b)
}
