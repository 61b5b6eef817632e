package checkout

import (
	"context"

	"paygate"
	"paygate/gateway"
)

// The gateway as the pages see it: the cashier and 3-D Secure pages use
// the checkout service, the wallet pages the wallet service, each through
// the methods they call.
type (
	checkoutService interface {
		CheckoutPage(ctx context.Context, sessionID string) (*gateway.CheckoutPage, error)
		CheckoutMethods(sess *paygate.Session, p *paygate.Payment) []paygate.WalletMethod
		ChooseMethod(ctx context.Context, sessionID, method string) (*paygate.Payment, error)
		Pay(ctx context.Context, sessionID string, f gateway.CardForm) (*paygate.Payment, error)
		CSRFToken(sessionID string) string
		CheckCSRF(sessionID, token string) bool
		ChallengePage(ctx context.Context, token string) (*gateway.Challenge, error)
		CompleteChallenge(ctx context.Context, token string, passed bool, code string) (*paygate.Payment, error)
		ConnectorReturn(ctx context.Context, name, token string) (*paygate.Payment, error)
	}
	walletService interface {
		WalletPage(ctx context.Context, token string) (*gateway.WalletPage, error)
		WalletQR(ctx context.Context, token string) (string, error)
		SimulateWallet(ctx context.Context, token string, approve bool, account string) (*paygate.Payment, error)
	}
)
