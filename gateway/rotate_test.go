package gateway_test

import (
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
)

// TestRotateSecret: after a rotation the new secret gets tokens at once and
// the old one until the grace ends on the gateway's clock; then only the
// new one.
func TestRotateSecret(t *testing.T) {
	gw, _, ctx, now := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{})
	nm, err := gw.Merchants.CreateMerchant(ctx, "rotating")
	if err != nil {
		t.Fatal(err)
	}
	appID := nm.Merchant.AppID
	token := func(secret, client string) error {
		_, _, err := gw.Merchants.IssueToken(ctx, appID, secret, client)
		return err
	}
	rs, err := gw.Merchants.RotateSecret(ctx, nm.Merchant.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Secret == nm.Secret || rs.AppID != appID || rs.PrevSecretUntil == nil || !rs.PrevSecretUntil.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("RotateSecret: got %+v, want a new secret, the old one good until %v", rs, now.Add(24*time.Hour))
	}
	for _, secret := range []string{rs.Secret, nm.Secret} {
		if err := token(secret, "192.0.2.1"); err != nil {
			t.Errorf("IssueToken in the grace: %v", err)
		}
	}
	*now = now.Add(24*time.Hour - time.Millisecond)
	if err := token(nm.Secret, "192.0.2.1"); err != nil {
		t.Errorf("IssueToken with the old secret at the grace's last moment: %v", err)
	}
	*now = now.Add(time.Millisecond)
	if err := token(nm.Secret, "192.0.2.1"); paygate.ErrorCode(err) != paygate.EUnauthorized {
		t.Errorf("IssueToken with the old secret after the grace: got %v, want unauthorized", err)
	}
	if err := token(rs.Secret, "192.0.2.1"); err != nil {
		t.Errorf("IssueToken with the new secret after the grace: %v", err)
	}

	// Without a grace the old secret stops at once; so does one still in
	// an earlier rotation's grace.
	rs2, err := gw.Merchants.RotateSecret(ctx, nm.Merchant.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rs3, err := gw.Merchants.RotateSecret(ctx, nm.Merchant.ID, 0)
	if err != nil || rs3.PrevSecretUntil != nil {
		t.Fatalf("RotateSecret without grace: got %+v, %v", rs3, err)
	}
	for _, secret := range []string{rs.Secret, rs2.Secret} {
		if err := token(secret, "192.0.2.1"); paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Errorf("IssueToken with a replaced secret: got %v, want unauthorized", err)
		}
	}
	if err := token(rs3.Secret, "192.0.2.1"); err != nil {
		t.Errorf("IssueToken with the newest secret: %v", err)
	}
	for _, grace := range []time.Duration{-time.Second, 7*24*time.Hour + time.Second} {
		if _, err := gw.Merchants.RotateSecret(ctx, nm.Merchant.ID, grace); paygate.ErrorParam(err) != "grace" {
			t.Errorf("RotateSecret with grace %v: got %v, want invalid grace", grace, err)
		}
	}
}

// TestRotateSecretOneFailure: a wrong secret during a grace is checked
// against both hashes but counts as one failure, so the back-off starts
// after as many wrong secrets as without a rotation.
func TestRotateSecretOneFailure(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{})
	nm, err := gw.Merchants.CreateMerchant(ctx, "rotating")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Merchants.RotateSecret(ctx, nm.Merchant.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		_, _, err := gw.Merchants.IssueToken(ctx, nm.Merchant.AppID, "0123456789ABCDEF0123456789ABCDEF", "192.0.2.7")
		if paygate.ErrorCode(err) != paygate.EUnauthorized {
			t.Fatalf("wrong secret %d: got %v, want unauthorized (a 429 this early counts a failure twice)", i+1, err)
		}
	}
	_, _, err = gw.Merchants.IssueToken(ctx, nm.Merchant.AppID, "0123456789ABCDEF0123456789ABCDEF", "192.0.2.7")
	if paygate.ErrorCode(err) != paygate.ERateLimited {
		t.Errorf("wrong secret 7: got %v, want rate_limited", err)
	}
}

// TestRotateOwnSecret: the merchant rotates its secret with its token and
// its current secret; a replaced secret in its grace does not do.
func TestRotateOwnSecret(t *testing.T) {
	gw, _, _, now := newTestGateway(t, acquirer.Sandbox{}, acquirer.Sandbox{})
	nm, err := gw.Merchants.CreateMerchant(t.Context(), "self")
	if err != nil {
		t.Fatal(err)
	}
	ctx := paygate.WithMerchantID(t.Context(), nm.Merchant.ID)
	if _, err := gw.Merchants.RotateOwnSecret(ctx, "wrong-"+nm.Secret, time.Hour, "192.0.2.1"); paygate.ErrorCode(err) != paygate.EUnauthorized {
		t.Errorf("a wrong current secret: got %v, want unauthorized", err)
	}
	rs, err := gw.Merchants.RotateOwnSecret(ctx, nm.Secret, 2*time.Hour, "192.0.2.1")
	if err != nil || rs.PrevSecretUntil == nil || !rs.PrevSecretUntil.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("RotateOwnSecret: got %+v, %v", rs, err)
	}
	if _, err := gw.Merchants.RotateOwnSecret(ctx, nm.Secret, time.Hour, "192.0.2.1"); paygate.ErrorCode(err) != paygate.EUnauthorized {
		t.Errorf("the replaced secret in its grace: got %v, want unauthorized", err)
	}
	if _, _, err := gw.Merchants.IssueToken(ctx, nm.Merchant.AppID, rs.Secret, "192.0.2.1"); err != nil {
		t.Errorf("IssueToken with the new secret: %v", err)
	}
}
