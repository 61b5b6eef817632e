package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"paygate"
	"paygate/acquirer"
)

// requireChallenge parks the payment in REQUIRES_ACTION while the customer
// answers the 3-D Secure challenge. The card is sealed by the vault for the
// authorization that follows (never the CVC: the challenge authenticates the
// cardholder instead) and erased once the payment moves on.
func (s *core) requireChallenge(ctx context.Context, p *paygate.Payment, d *draft) (*paygate.Payment, error) {
	sealed, err := s.sealPendingCard(p, d)
	if err != nil {
		return nil, err
	}
	return s.record(ctx, p, paygate.StatusRequiresAction, func(q *paygate.Payment, now time.Time) {
		q.PendingCard = sealed
		q.ClaimedUntil = nil
		q.NextAction = &paygate.NextAction{Type: "redirect", URL: s.cfg.BaseURL + "/3ds/" + s.challengeToken(q)}
		exp := now.Add(d.actionTTL)
		q.ExpiresAt = &exp
		if d.risk != nil { // the risk engine's decision waits with the payment
			q.Risk = d.risk
		}
	})
}

// sealPendingCard seals the draft's card, and what the authorization must
// still do with it, while the customer authenticates.
func (s *core) sealPendingCard(p *paygate.Payment, d *draft) ([]byte, error) {
	var renew *paygate.StoredCard
	if d.storedUpdate != nil {
		r := *d.storedUpdate
		r.Sealed = nil
		renew = &r
	}
	plain, _ := json.Marshal(pendingCard{PAN: d.card.Number, Month: d.card.ExpiryMonth, Year: d.card.ExpiryYear,
		Holder: d.card.HolderName, Brand: d.card.Brand, Store: d.store, StoreReason: d.storeReason, Renew: renew})
	sealed, err := s.vault.Seal(plain, []byte("pending-card/"+p.TradeNo))
	if err != nil {
		return nil, paygate.Internal("challenge", err)
	}
	return sealed, nil
}

// openPendingCard opens a payment's pending card into the draft that
// authorizes it: the card, and whether to store it or renew a stored one.
func (s *core) openPendingCard(ctx context.Context, p *paygate.Payment, d *draft) (*pendingCard, error) {
	plain, err := s.vault.Open(p.PendingCard, []byte("pending-card/"+p.TradeNo))
	if err != nil {
		return nil, paygate.Internal("challenge", err)
	}
	var pc pendingCard
	if err := json.Unmarshal(plain, &pc); err != nil {
		return nil, paygate.Internal("challenge", err)
	}
	d.store, d.storeReason = pc.Store, pc.StoreReason
	d.card = acquirer.Card{Number: pc.PAN, ExpiryMonth: pc.Month, ExpiryYear: pc.Year, HolderName: pc.Holder, Brand: pc.Brand}
	if pc.Renew != nil {
		d.storedUpdate = s.renewedCard(ctx, pc.Renew) // as the stored card is now
	}
	return &pc, nil
}

type pendingCard struct {
	PAN    string `json:"pan"`
	Month  int    `json:"month"`
	Year   int    `json:"year"`
	Holder string `json:"holder,omitempty"`
	Brand  string `json:"brand"`
	// What the authorization after the challenge must still do with the
	// card: store it, or renew a stored card's expiry.
	Store       bool                `json:"store,omitempty"`
	StoreReason string              `json:"storeReason,omitempty"`
	Renew       *paygate.StoredCard `json:"renew,omitempty"` // the stored card's new expiry (without its sealed data)
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
	TestMode  bool // the acquirer moves no real money: the page says so
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
	ch := &Challenge{Payment: p, MerchantName: m.Name, TriesLeft: max(0, ChallengeCodeTries-p.WrongChallengeCodes),
		TestMode: s.testMode}
	if s.acs != nil {
		ch.Code = s.acs.ChallengeHint(p.TradeNo)
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
	d := &draft{payment: p, session: sess, store: pc.Store, storeReason: pc.StoreReason, afterChallenge: true,
		card: acquirer.Card{Number: pc.PAN, ExpiryMonth: pc.Month, ExpiryYear: pc.Year, HolderName: pc.Holder, Brand: pc.Brand}}
	if pc.Renew != nil {
		d.storedUpdate = s.renewedCard(ctx, pc.Renew) // as the stored card is now
	}
	lc, err := s.connectorFor(ctx, p)
	var three *paygate.ThreeDS
	if err == nil {
		three, err = lc.acq.CompleteChallenge(ctx, p.TradeNo, d.card, a.passed)
	}
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

// checkChallengeCode asks the ACS whether code answers the challenge; with
// an acquirer that hosts no challenge page, no code does.
func (s *core) checkChallengeCode(reference, code string) bool {
	return s.acs != nil && s.acs.CheckChallengeCode(reference, code)
}
