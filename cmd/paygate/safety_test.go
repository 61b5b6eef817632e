package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"paygate/acquirer"
)

// TestBadInput: each bad request is 400 naming the field and writes nothing.
func TestBadInput(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	tests := []struct {
		name, param string
		edit        func(b map[string]any)
	}{
		{"amount negative", "amount", func(b map[string]any) { b["amount"] = "-1" }},
		{"amount zero", "amount", func(b map[string]any) { b["amount"] = "0" }},
		{"amount usd 3 digits", "amount", func(b map[string]any) { b["amount"] = "1.001" }},
		{"amount jpy fraction", "amount", func(b map[string]any) { b["amount"], b["currency"] = "1.5", "JPY" }},
		{"amount exponent", "amount", func(b map[string]any) { b["amount"] = "1e3" }},
		{"amount space", "amount", func(b map[string]any) { b["amount"] = " 1" }},
		{"amount letters", "amount", func(b map[string]any) { b["amount"] = "abc" }},
		{"amount number type", "amount", func(b map[string]any) { b["amount"] = 100.99 }},
		{"amount missing", "amount", func(b map[string]any) { delete(b, "amount") }},
		{"currency usd1", "currency", func(b map[string]any) { b["currency"] = "usd1" }},
		{"currency ZZZ", "currency", func(b map[string]any) { b["currency"] = "ZZZ" }},
		{"currency XXX", "currency", func(b map[string]any) { b["currency"] = "XXX" }},
		{"luhn", "card.cardNo", func(b map[string]any) { b["card"].(map[string]any)["cardNo"] = "4242424242424241" }},
		{"short card", "card.cardNo", func(b map[string]any) { b["card"].(map[string]any)["cardNo"] = "424242424242" }},
		{"expiry month 13", "card.expiryMonth", func(b map[string]any) { b["card"].(map[string]any)["expiryMonth"] = "13" }},
		{"expiry past", "card.expiryYear", func(b map[string]any) { b["card"].(map[string]any)["expiryYear"] = "2020" }},
		{"cvc short", "card.cvc", func(b map[string]any) { b["card"].(map[string]any)["cvc"] = "12" }},
		{"cvc amex 3", "card.cvc", func(b map[string]any) {
			b["card"].(map[string]any)["cardNo"], b["card"].(map[string]any)["cvc"] = "378282246310005", "123"
		}},
		{"cvc missing", "card.cvc", func(b map[string]any) { delete(b["card"].(map[string]any), "cvc") }},
		{"card missing", "card", func(b map[string]any) { delete(b, "card") }},
		{"card wrong type", "card", func(b map[string]any) { b["card"] = "4242" }},
		{"deviceInfo missing", "deviceInfo", func(b map[string]any) { delete(b, "deviceInfo") }},
		{"clientIp bad", "deviceInfo.clientIp", func(b map[string]any) { b["deviceInfo"] = map[string]any{"clientIp": "10.1.1"} }},
		{"orderNo 4", "orderNo", func(b map[string]any) { b["orderNo"] = "abcd" }},
		{"orderNo 65", "orderNo", func(b map[string]any) { b["orderNo"] = strings.Repeat("a", 65) }},
		{"description 51", "description", func(b map[string]any) { b["description"] = strings.Repeat("d", 51) }},
		{"captureMethod", "captureMethod", func(b map[string]any) { b["captureMethod"] = "later" }},
		{"paymentMethodType", "paymentMethodType", func(b map[string]any) { b["paymentMethodType"] = "cash" }},
		{"paymentMethodType wallet without its object", "wechat", func(b map[string]any) { b["paymentMethodType"] = "wechat" }},
		{"threeDsMode", "threeDsMode", func(b map[string]any) { b["threeDsMode"] = "always" }},
		{"fraudMode", "fraudMode", func(b map[string]any) { b["fraudMode"] = "yes" }},
		{"frontUrl", "frontUrl", func(b map[string]any) { b["frontUrl"] = "ftp://x" }},
		{"billing email", "billing.email", func(b map[string]any) { b["billing"] = map[string]any{"email": "nope"} }},
		{"billing country", "billing.address.country", func(b map[string]any) {
			b["billing"] = map[string]any{"address": map[string]any{"country": "Hong Kong"}}
		}},
		{"product price", "productInfo[0].price", func(b map[string]any) {
			b["productInfo"] = []map[string]string{{"price": "1.234", "productName": "x", "quantity": "1"}}
		}},
		{"product quantity", "productInfo[0].quantity", func(b map[string]any) {
			b["productInfo"] = []map[string]string{{"price": "1", "productName": "x", "quantity": "0"}}
		}},
		{"javaEnable type", "deviceInfo.browser.javaEnable", func(b map[string]any) {
			b["deviceInfo"] = map[string]any{"browser": map[string]any{"javaEnable": "no"}}
		}},
		{"metadata type", "metadata", func(b map[string]any) { b["metadata"] = "K-V" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orderNo := nextOrderNo("bad")
			body := cardPayment(orderNo, "4242424242424242")
			tt.edit(body)
			r := c.do("POST", "/v1/payments", body).wantError(400, "invalid_parameter", tt.param)
			if msg, _ := r.get("error.message").(string); msg == "" {
				t.Error("got empty message, want text")
			}
			c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).wantError(404, "not_found", "")
		})
	}

	t.Run("not json", func(t *testing.T) {
		c.do("POST", "/v1/payments", "amount=1").wantError(400, "invalid_json", "")
		c.do("POST", "/v1/payments", "").wantError(400, "invalid_json", "")
		c.do("POST", "/v1/payments", `{"amount":"1"`).wantError(400, "invalid_json", "")
		c.do("POST", "/v1/payments", `{"amount":"1"} {}`).wantError(400, "invalid_json", "")
	})
	t.Run("body over 64 KiB", func(t *testing.T) {
		body := cardPayment(nextOrderNo("big"), "4242424242424242")
		body["billingDesc"] = strings.Repeat("x", 65<<10)
		c.do("POST", "/v1/payments", body).wantError(400, "invalid_json", "")
	})
	t.Run("unknown fields ignored", func(t *testing.T) {
		body := cardPayment(nextOrderNo("unk"), "4242424242424242")
		body["somethingNew"] = map[string]any{"x": 1}
		c.do("POST", "/v1/payments", body).want(201)
	})
	t.Run("matedata alias", func(t *testing.T) {
		body := cardPayment(nextOrderNo("mat"), "4242424242424242")
		body["matedata"] = map[string]string{"k": "v"}
		r := c.do("POST", "/v1/payments", body).want(201)
		if r.get("metadata.k") != "v" {
			t.Errorf("got metadata %v, want k=v", r.get("metadata"))
		}
	})
	t.Run("refund fields", func(t *testing.T) {
		orderNo := nextOrderNo("rfb")
		c.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201)
		base := func() map[string]string {
			return map[string]string{"orderNo": orderNo, "amount": "1", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}
		}
		for param, edit := range map[string]func(map[string]string){
			"amount":       func(m map[string]string) { m["amount"] = "1.001" },
			"refundNumber": func(m map[string]string) { m["refundNumber"] = "abc" },
			"reason":       func(m map[string]string) { delete(m, "reason") },
			"clientIp":     func(m map[string]string) { m["clientIp"] = "x" },
			"orderNo":      func(m map[string]string) { delete(m, "orderNo") },
		} {
			m := base()
			edit(m)
			c.do("POST", "/v1/refunds", m).wantError(400, "invalid_parameter", param)
		}
	})
}

func TestAuth(t *testing.T) {
	a := startApp(t, func(m *Main) { m.TokenTTL = time.Minute })
	anon := &client{a: a}
	wrongApp := anon.do("POST", "/v1/auth/token", map[string]string{"appId": "000000000000000", "secret": a.Sandbox.Secret}).wantError(401, "unauthorized", "")
	wrongSecret := anon.do("POST", "/v1/auth/token", map[string]string{"appId": a.Sandbox.Merchant.AppID, "secret": "WRONG"}).wantError(401, "unauthorized", "")
	if wrongApp.get("error.message") != wrongSecret.get("error.message") {
		t.Errorf("got %v and %v, want the same answer for a wrong appId and a wrong secret", wrongApp.get("error.message"), wrongSecret.get("error.message"))
	}
	anon.do("POST", "/v1/auth/token", map[string]string{"appId": a.Sandbox.Merchant.AppID}).wantError(400, "invalid_parameter", "secret")
	anon.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": "whatever"}).wantError(401, "unauthorized", "")
	(&client{a: a, token: "pgt_forged.token"}).do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": "whatever"}).wantError(401, "unauthorized", "")

	c := a.sandbox()
	r := c.do("POST", "/v1/auth/token", map[string]string{"appId": a.Sandbox.Merchant.AppID, "secret": a.Sandbox.Secret}).want(200)
	if r.get("expiresIn") != float64(60) || r.str("tokenType") != "Bearer" {
		t.Errorf("got %s, want Bearer expiring in 60", r.body)
	}
	c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": "whatever"}).wantError(404, "not_found", "")
	a.clock.Advance(61 * time.Second)
	c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": "whatever"}).wantError(401, "unauthorized", "")

	// The secret is stored only as a hash.
	m, _ := a.store.MerchantByAppID(context.Background(), a.Sandbox.Merchant.AppID)
	if strings.Contains(m.SecretHash, a.Sandbox.Secret) || !strings.HasPrefix(m.SecretHash, "$argon2id$") {
		t.Errorf("got secret hash %q, want an argon2id hash", m.SecretHash)
	}
}

// TestIsolation: another merchant's order is not_found on every endpoint.
func TestIsolation(t *testing.T) {
	a := startApp(t)
	alice := a.sandbox()
	bob := a.newMerchant("Bob")
	orderNo := nextOrderNo("iso")
	body := cardPayment(orderNo, "4242424242424242")
	body["captureMethod"] = "manual"
	tradeNo := alice.do("POST", "/v1/payments", body).want(201).str("tradeNo")
	paid := nextOrderNo("iso")
	paidTrade := alice.do("POST", "/v1/payments", cardPayment(paid, "4242424242424242")).want(201).str("tradeNo")
	refundNo := nextOrderNo("rf")
	alice.do("POST", "/v1/refunds", map[string]string{"orderNo": paid, "amount": "1", "refundNumber": refundNo, "reason": "r", "clientIp": "1.1.1.1"}).want(201)

	for _, ref := range []map[string]string{{"orderNo": orderNo}, {"tradeNo": tradeNo}} {
		bob.do("POST", "/v1/payments/inquiry", ref).wantError(404, "not_found", "")
		cap := map[string]string{"captureAmount": "1"}
		cancel := map[string]string{}
		for k, v := range ref {
			cap[k], cancel[k] = v, v
		}
		bob.do("POST", "/v1/payments/capture", cap).wantError(404, "not_found", "")
		bob.do("POST", "/v1/payments/cancel", cancel).wantError(404, "not_found", "")
	}
	bob.do("GET", "/v1/payments/"+tradeNo, nil).wantError(404, "not_found", "")
	bob.do("POST", "/v1/refunds", map[string]string{"orderNo": paid, "amount": "1", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).wantError(404, "not_found", "")
	bob.do("POST", "/v1/refunds", map[string]string{"tradeNo": paidTrade, "amount": "1", "refundNumber": nextOrderNo("rf"), "reason": "r", "clientIp": "1.1.1.1"}).wantError(404, "not_found", "")
	bob.do("POST", "/v1/refunds/inquiry", map[string]string{"refundNumber": refundNo}).wantError(404, "not_found", "")
	bob.do("POST", "/v1/refunds/inquiry", map[string]string{"orderNo": paid}).wantError(404, "not_found", "")
	bob.do("POST", "/v1/refunds/inquiry", map[string]string{"tradeNo": paidTrade}).wantError(404, "not_found", "")
	// Bob may use the same orderNo for his own order.
	bob.do("POST", "/v1/payments", cardPayment(orderNo, "4242424242424242")).want(201)
	if r := alice.do("GET", "/v1/payments/"+tradeNo, nil).want(200); r.str("status") != "AUTHORIZED" {
		t.Errorf("got %s, want Alice's payment untouched", r.str("status"))
	}
}

// TestConcurrentCreates: 50 identical creates give one payment and 50 equal answers.
func TestConcurrentCreates(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	body := cardPayment(nextOrderNo("conc"), "4242424242424242")
	const n = 50
	answers := make([]*response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = c.do("POST", "/v1/payments", body)
		}()
	}
	wg.Wait()
	created := 0
	for i, r := range answers {
		if r.status == 201 {
			created++
		} else if r.status != 200 {
			t.Fatalf("answer %d: got %d %s, want 200 or 201", i, r.status, r.body)
		}
		if !bytes.Equal(r.body, answers[0].body) {
			t.Errorf("answer %d: got %s, want %s", i, r.body, answers[0].body)
		}
	}
	if created != 1 {
		t.Errorf("got %d created, want 1", created)
	}
	if answers[0].str("status") != "SUCCEEDED" {
		t.Errorf("got %s, want SUCCEEDED", answers[0].str("status"))
	}
}

// TestConcurrentRefunds: 50 refunds that together exceed the captured amount
// never let the succeeded sum exceed it.
func TestConcurrentRefunds(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	orderNo := nextOrderNo("cref")
	body := cardPayment(orderNo, "4242424242424242")
	body["amount"] = "100.00"
	c.do("POST", "/v1/payments", body).want(201)
	const n = 50
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.do("POST", "/v1/refunds", map[string]string{"orderNo": orderNo, "amount": "3.00",
				"refundNumber": fmt.Sprintf("%s-r%02d", orderNo, i), "reason": "r", "clientIp": "1.1.1.1"}).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, code := range codes {
		switch code {
		case 201:
			ok++
		case 422:
		default:
			t.Errorf("got status %d, want 201 or 422", code)
		}
	}
	if ok != 33 {
		t.Errorf("got %d refunds of 3.00 succeeded, want 33 (99.00 of 100.00)", ok)
	}
	r := c.do("POST", "/v1/payments/inquiry", map[string]string{"orderNo": orderNo}).want(200)
	if r.str("refundedAmount") != "99.00" || r.str("status") != "PARTIALLY_REFUNDED" {
		t.Errorf("got %s %s, want 99.00 PARTIALLY_REFUNDED", r.str("refundedAmount"), r.str("status"))
	}
}

// TestNoCardDataAtRest pays with every test card, then searches the database
// files (with the WAL) and all log output for each full card number and CVC.
func TestNoCardDataAtRest(t *testing.T) {
	a := startApp(t)
	c := a.sandbox()
	cards := []string{"4242424242424242", "5555555555554444", "2223003122003222", "6212454545454690", "4444333322221111",
		acquirer.CardDeclined, acquirer.CardInsufficientFunds, acquirer.CardExpired, acquirer.CardIncorrectCVC,
		acquirer.CardProcessingError, acquirer.CardChallenge, acquirer.CardFrictionless, acquirer.CardFraud, "378282246310005"}
	cvcs := map[string]string{}
	for i, pan := range cards {
		body := cardPayment(nextOrderNo("pan"), pan)
		cvc := fmt.Sprintf("%03d", 700+i)
		if len(pan) == 15 {
			cvc = "7" + cvc
		}
		cvcs[pan] = cvc
		body["card"].(map[string]any)["cvc"] = cvc
		body["fraudMode"] = "Y"
		body["captureMethod"] = "manual"
		body["billing"] = map[string]any{"storedcredentials": "store"} // approved ones go to the vault
		r := c.do("POST", "/v1/payments", body).want(201)
		if txID := r.str("transactionIdentifier"); txID != "" {
			tb := tokenBody(txID, "RECURRING")
			tb["cardNo"] = pan
			c.do("POST", "/v1/payments/token", tb).want(201)
		}
		if bytes.Contains(r.body, []byte(pan)) {
			t.Errorf("response for %s holds the card number", pan[:6])
		}
		// A bad request echoing card data must not leak it either.
		body["amount"] = "x"
		c.do("POST", "/v1/payments", body).want(400)
	}
	a.Main.Close()
	var blobs = map[string][]byte{"log": []byte(a.logs.String() + a.out.String())}
	files, _ := filepath.Glob(a.dbPath + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blobs[filepath.Base(f)] = b
	}
	if _, ok := blobs["paygate.db-wal"]; !ok && len(files) < 2 {
		t.Logf("files searched: %v", files)
	}
	for name, b := range blobs {
		for pan, cvc := range cvcs {
			if bytes.Contains(b, []byte(pan)) {
				t.Errorf("%s holds card number %s…", name, pan[:6])
			}
			for _, pat := range []string{`"` + cvc + `"`, `:` + cvc + `,`, `"cvc":`, `"CVC":`} {
				if bytes.Contains(b, []byte(pat)) {
					t.Errorf("%s holds %q (CVC of %s…)", name, pat, pan[:6])
				}
			}
		}
	}
	// Close ran; keep Cleanup's Close harmless.
	a.Main.server, a.Main.store = nil, nil
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "p.db")
	env := func(string) string { return "" }
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--db", db}, env, &out, &errb); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"merchant", "create", "--name", "Shop", "--db", db}, env, &out, &errb); err != nil {
		t.Fatalf("merchant create: %v", err)
	}
	var m map[string]string
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("merchant create printed %q: %v", out.String(), err)
	}
	for _, k := range []string{"merchantId", "appId", "secret", "notifySecret"} {
		if m[k] == "" {
			t.Errorf("got %v, want %s", m, k)
		}
	}
	if !strings.HasPrefix(m["notifySecret"], "whsec_") {
		t.Errorf("got notifySecret %q, want whsec_ prefix", m["notifySecret"])
	}
	if err := run(context.Background(), []string{"merchant", "create", "--db", db}, env, &out, &errb); err == nil {
		t.Error("merchant create without --name: got nil error, want one")
	}

	// serve stops gracefully (exit 0) when its context ends; a database that
	// already has merchants gets no sandbox merchant.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out.Reset()
	var sout syncBuffer
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, env, &sout, &errb) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(sout.String(), "listening") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(sout.String(), "sandbox") {
		t.Errorf("got %q, want no sandbox merchant on a database with merchants", sout.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after cancel: got %v, want nil", err)
	}
}

func TestDocsServed(t *testing.T) {
	a := startApp(t)
	c := &client{a: a}
	r := c.do("GET", "/openapi.json", nil).want(200)
	if !strings.HasPrefix(fmt.Sprint(r.json["openapi"]), "3.1") {
		t.Errorf("got openapi %v, want 3.1.x", r.json["openapi"])
	}
	r = c.do("GET", "/docs", nil).want(200)
	if !bytes.Contains(r.body, []byte("docs.js")) || strings.Contains(string(r.body), "https://") {
		t.Errorf("got %s, want a page loading only local assets", r.body)
	}
	c.do("GET", "/docs/docs.js", nil).want(200)
	c.do("GET", "/nope", nil).wantError(404, "not_found", "")
}
