package gateway

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"strings"

	"paygate"
	"paygate/acquirer"
)

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
	wp.Simulated = s.simulator != nil
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
	sim := s.simulator
	if sim == nil {
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
