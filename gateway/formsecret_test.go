package gateway_test

import (
	"sync"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
	"paygate/wire"
)

// TestFormSecretsActOnce: a form that makes a secret, sent again, answers
// what it made; sent at once twice, it makes one; an old form makes none.
func TestFormSecretsActOnce(t *testing.T) {
	gw, store, ctx, now := newTestGateway(t, acquirer.Sandbox{}, nil)
	id := paygate.MerchantID(ctx)
	key := gw.Users.NewFormKey()
	var wg sync.WaitGroup
	secrets := make([]string, 4)
	errs := make([]error, 4)
	for i := range 4 { // four presses of one form, at once
		wg.Go(func() {
			rs, err := gw.Merchants.RotateSecretForm(t.Context(), id, time.Hour, key)
			if err == nil {
				secrets[i] = rs.Secret
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil || secrets[i] != secrets[0] {
			t.Fatalf("press %d: %q, %v; want the first's secret %q", i, secrets[i], errs[i], secrets[0])
		}
	}
	m, _ := store.Merchant(t.Context(), id)
	if m.PrevSecretHash == "" || m.PrevSecretUntil == nil {
		t.Error("the replaced secret has no grace: the form rotated more than once")
	}
	if _, err := gw.Merchants.RotateSecretForm(t.Context(), id, time.Hour, gw.Users.NewFormKey()); err != nil {
		t.Errorf("another form: %v", err)
	}

	nkey := gw.Users.NewFormKey()
	a, err := gw.Merchants.RotateNotifySecretForm(t.Context(), id, time.Hour, nkey)
	if err != nil {
		t.Fatal(err)
	}
	b, err := gw.Merchants.RotateNotifySecretForm(t.Context(), id, time.Hour, nkey)
	if err != nil || a.NotifySecret != b.NotifySecret {
		t.Errorf("the notify form sent again: %v, %q vs %q", err, b.NotifySecret, a.NotifySecret)
	}

	skey := gw.Users.NewFormKey()
	req := &wire.SubscriptionRequest{APIVersion: paygate.APIVersion, SignMethod: "sha256", SubscribeURL: "https://8.8.8.8/hook"}
	s1, sec1, err := gw.Notifications.CreateSubscriptionForm(ctx, req, skey)
	if err != nil {
		t.Fatal(err)
	}
	s2, sec2, err := gw.Notifications.CreateSubscriptionForm(ctx, req, skey)
	if err != nil || s1.ID != s2.ID || sec1 != sec2 {
		t.Errorf("the subscription form sent again: %v, %s %s", err, s1.ID, s2.ID)
	}
	if subs, _ := gw.Notifications.Subscriptions(ctx); len(subs) != 1 {
		t.Errorf("%d subscriptions, want 1", len(subs))
	}

	mkey := gw.Users.NewFormKey()
	m1, err := gw.Merchants.CreateMerchantForm(t.Context(), "Shop", mkey)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := gw.Merchants.CreateMerchantForm(t.Context(), "Shop", mkey)
	if err != nil || m1.Merchant.ID != m2.Merchant.ID || m1.Secret != m2.Secret || m1.Merchant.AppID != m2.Merchant.AppID {
		t.Errorf("the merchant form sent again: %v", err)
	}
	if _, _, err := gw.Merchants.IssueToken(t.Context(), m1.Merchant.AppID, m1.Secret, "192.0.2.1"); err != nil {
		t.Errorf("the form-made merchant's secret gets no token: %v", err)
	}

	*now = now.Add(61 * time.Minute)
	for name, err := range map[string]error{
		"rotate": func() error { _, err := gw.Merchants.RotateSecretForm(t.Context(), id, time.Hour, key); return err }(),
		"merchant": func() error {
			_, err := gw.Merchants.CreateMerchantForm(t.Context(), "Shop", mkey)
			return err
		}(),
		"made up": func() error { _, err := gw.Merchants.RotateSecretForm(t.Context(), id, time.Hour, "0123"); return err }(),
	} {
		if paygate.ErrorCode(err) != paygate.EInvalidParameter {
			t.Errorf("%s: an old or made-up form key = %v, want invalid_parameter", name, err)
		}
	}
}

func TestUserRoleAndDelete(t *testing.T) {
	gw, _, ctx, _ := newTestGateway(t, acquirer.Sandbox{}, nil)
	newUser(t, gw, paygate.MerchantID(ctx), "ana@example.com", paygate.RoleAdmin)
	newUser(t, gw, "", "ops@example.com", paygate.RoleOperator)
	res, err := gw.Users.SignIn(t.Context(), "ana@example.com", goodPassword, "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Users.SetRole(t.Context(), "ana@example.com", paygate.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if who, err := gw.Users.Session(t.Context(), res.Token); err != nil || who.User.Role != paygate.RoleViewer {
		t.Errorf("after set-role the session has %v, %v; want viewer at once", who, err)
	}
	if _, err := gw.Users.SetRole(t.Context(), "ops@example.com", paygate.RoleAdmin); paygate.ErrorCode(err) != paygate.EInvalidParameter {
		t.Errorf("an operator made a merchant's admin: %v", err)
	}
	if _, err := gw.Users.DeleteUser(t.Context(), "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Users.Session(t.Context(), res.Token); paygate.ErrorCode(err) != paygate.EUnauthorized {
		t.Errorf("a deleted user's session: %v", err)
	}
}
