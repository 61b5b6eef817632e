package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"paygate/acquirer"
	"paygate/vault"
)

// storeCard makes a first payment that stores the card and returns its
// transactionIdentifier.
func storeCard(t *testing.T, c *client, pan, month, year string) string {
	t.Helper()
	body := cardPayment(nextOrderNo("store"), pan)
	body["billing"] = map[string]any{"storedcredentials": "store"}
	body["threeDsMode"] = "no"
	body["card"].(map[string]any)["expiryMonth"] = month
	body["card"].(map[string]any)["expiryYear"] = year
	r := c.do("POST", "/v1/payments", body).want(201)
	txID := r.str("transactionIdentifier")
	if r.str("status") != "SUCCEEDED" || len(txID) < 5 || len(txID) > 64 || r.str("schemeTransactionId") == "" {
		t.Fatalf("got %s, want SUCCEEDED with a transactionIdentifier and schemeTransactionId", r.body)
	}
	if r.get("storedCredential.stored") != true || r.get("storedCredential.initiator") != "customer" {
		t.Errorf("got storedCredential %v, want stored by the customer", r.get("storedCredential"))
	}
	return txID
}

func tokenBody(txID, reason string) map[string]any {
	b := map[string]any{"amount": "9.99", "orderNo": nextOrderNo("tok"), "transactionIdentifier": txID,
		"expiryMonth": "06", "expiryYear": "2030"}
	if reason != "" {
		b["customerInitiatedReason"] = reason
	}
	return b
}

func TestTokenPayments(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	txID := storeCard(t, c, "4444333322221111", "06", "2030")

	for _, reason := range []string{"RECURRING", "INSTALMENT", "UNSCHEDULED"} {
		t.Run(reason, func(t *testing.T) {
			r := c.do("POST", "/v1/payments/token", tokenBody(txID, reason)).want(201)
			if r.str("status") != "SUCCEEDED" || r.str("currency") != "USD" || r.get("card.last4") != "1111" {
				t.Fatalf("got %s, want SUCCEEDED in USD on card 1111", r.body)
			}
			if r.get("storedCredential.reason") != reason || r.get("storedCredential.initiator") != "merchant" ||
				r.get("storedCredential.transactionIdentifier") != txID || r.get("threeDs.mode") != "no" {
				t.Errorf("got %s, want a merchant-initiated %s payment without 3-D Secure", r.body, reason)
			}
		})
	}

	// Another currency, matching cardNo, manual capture with refund.
	b := tokenBody(txID, "UNSCHEDULED")
	b["currency"], b["amount"], b["cardNo"], b["captureMethod"] = "JPY", "500", "4444333322221111", "manual"
	r := c.do("POST", "/v1/payments/token", b).want(201)
	if r.str("status") != "AUTHORIZED" || r.str("amount") != "500" || r.str("currency") != "JPY" {
		t.Fatalf("got %s, want AUTHORIZED 500 JPY", r.body)
	}
	c.do("POST", "/v1/payments/capture", map[string]string{"tradeNo": r.str("tradeNo"), "captureAmount": "500"}).want(200)
	c.do("POST", "/v1/refunds", map[string]string{"tradeNo": r.str("tradeNo"), "amount": "100", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).want(201)
	inq := c.do("GET", "/v1/payments/"+r.str("tradeNo"), nil).want(200)
	if inq.str("status") != "PARTIALLY_REFUNDED" || inq.get("storedCredential.transactionIdentifier") != txID {
		t.Errorf("got %s, want PARTIALLY_REFUNDED naming the stored credential", inq.body)
	}

	// A re-issued card: a newer expiry updates the vault.
	b = tokenBody(txID, "RECURRING")
	b["expiryMonth"], b["expiryYear"] = "09", "2031"
	c.do("POST", "/v1/payments/token", b).want(201)
	r = c.do("POST", "/v1/payments/token", tokenBody(txID, "RECURRING")).want(201)
	if r.get("card.expiryMonth") != "09" || r.get("card.expiryYear") != "2031" {
		t.Errorf("got expiry %v/%v, want the re-issued 09/2031", r.get("card.expiryMonth"), r.get("card.expiryYear"))
	}

	// orderNo idempotency holds for token payments.
	b = tokenBody(txID, "RECURRING")
	first := c.do("POST", "/v1/payments/token", b).want(201)
	again := c.do("POST", "/v1/payments/token", b).want(200)
	if !bytes.Equal(first.body, again.body) {
		t.Errorf("replay: got %s, want %s", again.body, first.body)
	}
	b["amount"] = "1.00"
	c.do("POST", "/v1/payments/token", b).wantError(409, "duplicate_order_no", "")
}

func TestTokenPaymentCustomerInitiated(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	txID := storeCard(t, c, acquirer.CardChallenge, "06", "2030")
	// Without a reason the customer is present: 3-D Secure applies.
	r := c.do("POST", "/v1/payments/token", tokenBody(txID, "")).want(201)
	if r.str("status") != "REQUIRES_ACTION" || r.get("storedCredential.initiator") != "customer" {
		t.Fatalf("got %s, want REQUIRES_ACTION for a customer-initiated payment", r.body)
	}
	b := tokenBody(txID, "")
	b["threeDsMode"] = "no"
	c.do("POST", "/v1/payments/token", b).want(201)
	// A merchant-initiated payment never gets a challenge.
	if r := c.do("POST", "/v1/payments/token", tokenBody(txID, "RECURRING")).want(201); r.str("status") != "SUCCEEDED" {
		t.Fatalf("got %s, want SUCCEEDED without a challenge", r.str("status"))
	}
	// A reason with threeDsMode auto or standard: the customer is present
	// and authenticates; with no, merchant-initiated.
	for _, tc := range []struct{ mode, status, initiator string }{
		{"auto", "REQUIRES_ACTION", "customer"},
		{"standard", "REQUIRES_ACTION", "customer"},
		{"no", "SUCCEEDED", "merchant"},
	} {
		b := tokenBody(txID, "RECURRING")
		b["threeDsMode"] = tc.mode
		r := c.do("POST", "/v1/payments/token", b).want(201)
		if r.str("status") != tc.status || r.get("storedCredential.initiator") != tc.initiator || r.get("storedCredential.reason") != "RECURRING" {
			t.Errorf("reason with threeDsMode %s: got %s initiator %v reason %v, want %s %s RECURRING", tc.mode, r.str("status"),
				r.get("storedCredential.initiator"), r.get("storedCredential.reason"), tc.status, tc.initiator)
		}
	}
	// A declined first payment stores nothing.
	body := cardPayment(nextOrderNo("store"), acquirer.CardDeclined)
	body["billing"] = map[string]any{"storedcredentials": "store"}
	r = c.do("POST", "/v1/payments", body).want(201)
	if r.str("status") != "FAILED" || r.str("transactionIdentifier") != "" {
		t.Fatalf("got %s, want FAILED without a transactionIdentifier", r.body)
	}
}

func TestTokenExpiredStoredCard(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	txID := storeCard(t, c, "4242424242424242", "12", "2026")
	a.clock.Advance(40 * 24 * time.Hour) // now January 2027
	c = a.sandbox()
	b := tokenBody(txID, "RECURRING")
	b["expiryMonth"], b["expiryYear"] = "12", "2026"
	r := c.do("POST", "/v1/payments/token", b).want(201)
	if r.str("status") != "FAILED" || r.str("failureCode") != "expired_card" {
		t.Fatalf("got %s, want FAILED expired_card", r.body)
	}
	// The customer's new expiry brings the card back.
	b = tokenBody(txID, "RECURRING")
	b["expiryMonth"], b["expiryYear"] = "12", "2029"
	if r := c.do("POST", "/v1/payments/token", b).want(201); r.str("status") != "SUCCEEDED" {
		t.Fatalf("got %s, want SUCCEEDED with the new expiry", r.str("status"))
	}
}

func TestTokenBadInput(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	txID := storeCard(t, c, "5555555555554444", "06", "2030")
	tests := []struct {
		name, param string
		edit        func(map[string]any)
	}{
		{"missing transactionIdentifier", "transactionIdentifier", func(b map[string]any) { delete(b, "transactionIdentifier") }},
		{"reason", "customerInitiatedReason", func(b map[string]any) { b["customerInitiatedReason"] = "WEEKLY" }},
		{"expiryMonth 00", "expiryMonth", func(b map[string]any) { b["expiryMonth"] = "00" }},
		{"expiryMonth missing", "expiryMonth", func(b map[string]any) { delete(b, "expiryMonth") }},
		{"expiry past", "expiryYear", func(b map[string]any) { b["expiryYear"] = "2020" }},
		{"cardNo mismatch", "cardNo", func(b map[string]any) { b["cardNo"] = "4242424242424242" }},
		{"amount", "amount", func(b map[string]any) { b["amount"] = "1.001" }},
		{"currency", "currency", func(b map[string]any) { b["currency"] = "XXX" }},
		{"orderNo", "orderNo", func(b map[string]any) { b["orderNo"] = "abc" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tokenBody(txID, "RECURRING")
			tt.edit(b)
			c.do("POST", "/v1/payments/token", b).wantError(400, "invalid_parameter", tt.param)
			if o, ok := b["orderNo"].(string); ok && len(o) >= 5 {
				c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": o}).wantError(404, "not_found", "")
			}
		})
	}
	c.do("POST", "/v1/payments/token", tokenBody("00000000000000000000", "RECURRING")).wantError(404, "not_found", "")

	// Concurrent identical token payments give one charge.
	b := tokenBody(txID, "RECURRING")
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Go(func() { codes[i] = c.do("POST", "/v1/payments/token", b).status })
	}
	wg.Wait()
	created := 0
	for _, code := range codes {
		if code == 201 {
			created++
		}
	}
	if created != 1 {
		t.Errorf("got %d created, want 1 (%v)", created, codes)
	}
}

func TestTokenRevokeAndIsolation(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	txID := storeCard(t, c, "4242424242424242", "06", "2030")
	bob := a.newMerchant("Bob")
	bob.do("POST", "/v1/payments/token", tokenBody(txID, "RECURRING")).wantError(404, "not_found", "")
	bob.do("DELETE", "/v1/payments/token/"+txID, nil).wantError(404, "not_found", "")

	r := c.do("DELETE", "/v1/payments/token/"+txID, nil).want(200)
	if r.str("status") != "REVOKED" {
		t.Fatalf("got %s, want REVOKED", r.body)
	}
	c.do("POST", "/v1/payments/token", tokenBody(txID, "RECURRING")).wantError(404, "not_found", "")
	c.do("DELETE", "/v1/payments/token/"+txID, nil).wantError(404, "not_found", "")
	sc, err := a.store.StoredCard(context.Background(), a.Sandbox.Merchant.ID, txID)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Sealed != nil || sc.Fingerprint != "" {
		t.Errorf("got sealed %d bytes, fingerprint %q after revoke, want both erased", len(sc.Sealed), sc.Fingerprint)
	}
}

// TestVaultRekey rotates the master key: rekey moves every row to the new
// key, after which the old key alone opens none of them and the server runs
// on the new key alone.
func TestVaultRekey(t *testing.T) {
	key1, key2 := vault.NewKey(), vault.NewKey()
	b64 := base64.StdEncoding.EncodeToString
	a := startApp(t, func(m *Main) { m.MasterKey = b64(key1) })
	c := a.sandbox()
	var ids []string
	for range 5 {
		ids = append(ids, storeCard(t, c, "4242424242424242", "06", "2030"))
	}
	rcv := newReceiver(t)
	c.do("POST", "/v1/notifications/subscriptions", map[string]string{"subscribeUrl": rcv.URL + "/s", "apiVersion": "20250703", "signMethod": "sha256"}).want(201)
	c.do("DELETE", "/v1/payments/token/"+ids[0], nil).want(200)
	sandbox := a.Sandbox
	a.Main.Close()
	a.Main.server, a.Main.store = nil, nil

	db := "sqlite:" + a.dbPath
	var out, errb bytes.Buffer
	env := func(k string) string {
		return map[string]string{"PAYGATE_MASTER_KEY": b64(key2), "PAYGATE_OLD_MASTER_KEYS": b64(key1)}[k]
	}
	if err := run(context.Background(), []string{"vault", "rekey", "--db", db, "--batch", "2"}, env, &out, &errb); err != nil {
		t.Fatalf("rekey: %v (%s)", err, out.String())
	}
	var rep struct {
		Moved, AlreadyCurrent int
		Unreadable            []string
	}
	json.Unmarshal(out.Bytes(), &rep)
	// 4 active cards, 1 merchant secret, 1 subscription secret.
	if rep.Moved != 6 || len(rep.Unreadable) != 0 {
		t.Fatalf("got %s, want 6 moved and none unreadable", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"vault", "rekey", "--db", db}, env, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if json.Unmarshal(out.Bytes(), &rep); rep.Moved != 0 || rep.AlreadyCurrent != 6 {
		t.Fatalf("second run: got %s, want nothing to move", out.String())
	}

	// The old key alone opens no row.
	old, _ := vault.New(key1)
	sqldb, err := sql.Open("sqlite", a.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := sqldb.Query(`SELECT transaction_identifier, merchant_id, sealed FROM stored_cards WHERE sealed IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id, mid string
		var sealed []byte
		rows.Scan(&id, &mid, &sealed)
		n++
		if _, err := old.Open(sealed, []byte("stored-card/"+mid+"/"+id)); err == nil {
			t.Errorf("old key still opens stored card %s", id)
		}
	}
	rows.Close()
	sqldb.Close()
	if n != 4 {
		t.Errorf("got %d sealed rows, want 4", n)
	}

	// A row no key opens is reported by id, and rekey fails.
	env3 := func(k string) string { return map[string]string{"PAYGATE_MASTER_KEY": b64(vault.NewKey())}[k] }
	out.Reset()
	err = run(context.Background(), []string{"vault", "rekey", "--db", db}, env3, &out, &errb)
	if err == nil || !strings.Contains(out.String(), ids[1]) {
		t.Errorf("rekey with an unrelated key: got %v, %s; want a failure naming %s", err, out.String(), ids[1])
	}

	// The server runs on the new key alone and charges the moved cards.
	m := NewMain()
	m.Addr, m.DB, m.MasterKey = "127.0.0.1:0", db, b64(key2)
	m.Stdout, m.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
	m.AllowPrivateNotifyTargets = true
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a2 := &app{Main: m, t: t, dbPath: a.dbPath, logs: &syncBuffer{}, out: &syncBuffer{}, clock: a.clock}
	c2 := a2.login(sandbox.Merchant.AppID, sandbox.Secret)
	if r := c2.do("POST", "/v1/payments/token", tokenBody(ids[1], "RECURRING")).want(201); r.str("status") != "SUCCEEDED" {
		t.Fatalf("got %s, want SUCCEEDED on the new key", r.body)
	}
	rcv.wait(t, "/s", 1) // the subscription secret moved too: deliveries are signed
	_ = os.Getenv
	_ = filepath.Join
}

// TestTokenByCardNumber: without transactionIdentifier the stored card is
// found by its number and expiry; none, or a revoked one, is not_found on
// cardNo.
func TestTokenByCardNumber(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	txID := storeCard(t, c, "4444333322221111", "12", "2027")
	byNumber := func(cardNo, month, year string) *response {
		b := map[string]any{"amount": "9.99", "orderNo": nextOrderNo("tokn"), "cardNo": cardNo,
			"expiryMonth": month, "expiryYear": year, "customerInitiatedReason": "RECURRING"}
		return c.do("POST", "/v1/payments/token", b)
	}
	r := byNumber("4444333322221111", "12", "2027").want(201)
	if r.str("status") != "SUCCEEDED" || r.str("transactionIdentifier") != txID {
		t.Errorf("got %s %s, want SUCCEEDED on stored card %s", r.str("status"), r.str("transactionIdentifier"), txID)
	}
	byNumber("4444333322221111", "11", "2027").wantError(404, "not_found", "cardNo")
	byNumber("4242424242424242", "12", "2027").wantError(404, "not_found", "cardNo")
	c.do("POST", "/v1/payments/token", map[string]any{"amount": "9.99", "orderNo": nextOrderNo("tokn"),
		"expiryMonth": "12", "expiryYear": "2027"}).wantError(400, "invalid_parameter", "transactionIdentifier")
	// Another merchant's card is not found.
	other := a.newMerchant("other")
	b := map[string]any{"amount": "9.99", "orderNo": nextOrderNo("tokn"), "cardNo": "4444333322221111", "expiryMonth": "12", "expiryYear": "2027"}
	other.do("POST", "/v1/payments/token", b).wantError(404, "not_found", "cardNo")
	c.do("DELETE", "/v1/payments/token/"+txID, nil).want(200)
	byNumber("4444333322221111", "12", "2027").wantError(404, "not_found", "cardNo")
}
