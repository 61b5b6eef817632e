package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
)

const piID = "pi_3MtwBwLkdIwHu7ix28a3tqPa"

func TestAuthorizeMapsStatus(t *testing.T) {
	tests := []struct {
		name string
		file string
		want acquirer.Result
	}{
		{"succeeded", "pi_succeeded.json", acquirer.Result{Approved: true, AcquirerRef: piID,
			AuthCode: "831000", SchemeTransactionID: "586109513290042"}},
		{"requires_capture", "pi_requires_capture.json", acquirer.Result{Approved: true, AcquirerRef: piID,
			AuthCode: "831000", SchemeTransactionID: "586109513290042"}},
		{"processing", "pi_processing.json", acquirer.Result{Pending: true, AcquirerRef: piID}},
		{"requires_action", "pi_requires_action.json", acquirer.Result{AcquirerRef: piID,
			RedirectURL: "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1MtwBw&payment_intent=pi_3MtwBwLkdIwHu7ix28a3tqPa&payment_intent_client_secret=pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH&publishable_key=pk_test_123&source=payatt_3MtwBwLkdIwHu7ix2WOp1J1r"}},
		{"requires_action without redirect", "pi_requires_action_sdk.json", acquirer.Result{AcquirerRef: piID,
			Code:    "authentication_failed",
			Message: "Stripe asked for a customer action the gateway cannot redirect to (next_action use_stripe_sdk)."}},
		{"requires_payment_method after a decline", "pi_requires_payment_method_declined.json", acquirer.Result{
			AcquirerRef: piID, Code: "insufficient_funds",
			Message: "The card has insufficient funds. (Stripe code card_declined, decline_code insufficient_funds)"}},
		{"canceled", "pi_canceled.json", acquirer.Result{AcquirerRef: piID, Code: "card_declined",
			Message: "Stripe canceled the payment (cancellation_reason requested_by_customer)."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStripe(t)
			f.set("confirm", answer{file: tt.file})
			got, err := f.connector(0).Authorize(context.Background(), sampleRequest())
			if err != nil {
				t.Fatalf("Authorize: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAuthorizeMapsDeclineCodes(t *testing.T) {
	tests := []struct{ code, declineCode, want string }{
		{"card_declined", "generic_decline", "card_declined"},
		{"card_declined", "do_not_honor", "card_declined"},
		{"card_declined", "try_again_later", "card_declined"},
		{"card_declined", "", "card_declined"},
		{"card_declined", "insufficient_funds", "insufficient_funds"},
		{"expired_card", "expired_card", "expired_card"},
		{"incorrect_cvc", "incorrect_cvc", "incorrect_cvc"},
		{"invalid_cvc", "", "incorrect_cvc"},
		{"processing_error", "processing_error", "processing_error"},
		{"card_declined", "fraudulent", "fraud_suspected"},
		{"card_declined", "stolen_card", "fraud_suspected"},
		{"card_declined", "lost_card", "fraud_suspected"},
		{"card_declined", "pickup_card", "fraud_suspected"},
		{"card_declined", "merchant_blacklist", "fraud_suspected"},
		{"authentication_required", "authentication_required", "authentication_failed"},
		{"card_declined", "authentication_required", "authentication_failed"},
		{"payment_intent_authentication_failure", "", "authentication_failed"},
		{"incorrect_number", "", "card_declined"},
		{"invalid_number", "", "card_declined"},
		{"some_future_code", "some_future_decline", "card_declined"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.declineCode, func(t *testing.T) {
			f := newFakeStripe(t)
			f.set("confirm", answer{status: 402, body: cardError(t, tt.code, tt.declineCode)})
			got, err := f.connector(0).Authorize(context.Background(), sampleRequest())
			if err != nil {
				t.Fatalf("Authorize: %v", err)
			}
			if got.Approved || got.Code != tt.want || got.AcquirerRef != piID {
				t.Errorf("got %+v, want a decline %s of %s", got, tt.want, piID)
			}
			if tt.declineCode != "" && !strings.Contains(got.Message, tt.declineCode) {
				t.Errorf("message %q does not keep the decline_code %s", got.Message, tt.declineCode)
			}
		})
	}
}

// cardError is Stripe's 402 card_error body with the given codes.
func cardError(t *testing.T, code, declineCode string) string {
	t.Helper()
	var body map[string]map[string]any
	if err := json.Unmarshal(fixture(t, "error_card_declined.json"), &body); err != nil {
		t.Fatal(err)
	}
	body["error"]["code"] = code
	body["error"]["decline_code"] = declineCode
	if declineCode == "" {
		delete(body["error"], "decline_code")
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAuthorizeDeclinesAnInvalidNumber(t *testing.T) {
	f := newFakeStripe(t)
	f.set("pm", answer{status: 402, file: "error_incorrect_number.json"})
	got, err := f.connector(0).Authorize(context.Background(), sampleRequest())
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	if got.Approved || got.Code != "card_declined" || got.AcquirerRef != piID {
		t.Errorf("got %+v, want a card_declined decline of %s", got, piID)
	}
	if n := len(f.requests("confirm")); n != 0 {
		t.Errorf("got %d confirmations, want none", n)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	tests := []struct {
		name     string
		route    string
		answer   answer
		noEffect bool
	}{
		{"create 500", "create", answer{status: 500, file: "error_api.json"}, false},
		{"create 503 unreadable", "create", answer{status: 503, body: "<html>Service Unavailable</html>"}, false},
		{"create 400", "create", answer{status: 400, file: "error_invalid_request.json"}, true},
		{"create 429", "create", answer{status: 429, file: "error_rate_limit.json"}, true},
		{"create idempotency error", "create", answer{status: 400, file: "error_idempotency.json"}, false},
		{"create key in use", "create", answer{status: 409, file: "error_idempotency_key_in_use.json"}, false},
		{"create timeout", "create", answer{delay: time.Second, file: "pi_requires_payment_method.json"}, false},
		{"payment method 500", "pm", answer{status: 500, file: "error_api.json"}, true},
		{"payment method timeout", "pm", answer{delay: time.Second, file: "pm_card.json"}, true},
		{"confirm 500", "confirm", answer{status: 500, file: "error_api.json"}, false},
		{"confirm 400", "confirm", answer{status: 400, file: "error_invalid_request.json"}, true},
		{"confirm 429", "confirm", answer{status: 429, file: "error_rate_limit.json"}, true},
		{"confirm answer unreadable", "confirm", answer{body: "<html>OK</html>"}, false},
		{"confirm answer cut off", "confirm", answer{cut: true, file: "pi_succeeded.json"}, false},
		{"confirm timeout", "confirm", answer{delay: time.Second, file: "pi_succeeded.json"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStripe(t)
			f.set(tt.route, tt.answer)
			got, err := f.connector(200*time.Millisecond).Authorize(context.Background(), sampleRequest())
			if err == nil {
				t.Fatalf("got %+v, want an error", got)
			}
			if errors.Is(err, acquirer.ErrNoEffect) != tt.noEffect {
				t.Errorf("error %q: errors.Is ErrNoEffect is %v, want %v", err, !tt.noEffect, tt.noEffect)
			}
		})
	}
}

func TestAuthorizeConnectionRefused(t *testing.T) {
	f := newFakeStripe(t)
	c := f.connector(time.Second)
	f.srv.Close()
	_, err := c.Authorize(context.Background(), sampleRequest())
	if !errors.Is(err, acquirer.ErrNoEffect) {
		t.Errorf("got %v, want an error wrapping ErrNoEffect", err)
	}
}

// A confirmation whose answer is lost is asked for again: the same
// PaymentIntent comes back under the same key, with its outcome.
func TestTimeoutThenResolve(t *testing.T) {
	f := newFakeStripe(t)
	f.set("confirm", answer{delay: 2 * time.Second, file: "pi_succeeded.json"})
	f.set("retrieve", answer{file: "pi_requires_payment_method.json"})
	c := f.connector(200 * time.Millisecond)
	req := sampleRequest()
	_, err := c.Authorize(context.Background(), req)
	if err == nil || errors.Is(err, acquirer.ErrNoEffect) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout with an unknown outcome", err)
	}
	f.set("retrieve", answer{file: "pi_succeeded.json"})
	req.Card = acquirer.Card{}
	got, err := c.Resolve(context.Background(), req)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if !got.Approved || got.AcquirerRef != piID || got.AuthCode != "831000" {
		t.Errorf("got %+v, want approved %s", got, piID)
	}
	creates := f.requests("create")
	if len(creates) != 2 || creates[0].key != creates[1].key || creates[0].key != "paygate:T20260101000001:create" {
		t.Errorf("got creations %+v, want two under paygate:T20260101000001:create", creates)
	}
	if len(creates) == 2 && creates[0].form.Encode() != creates[1].form.Encode() {
		t.Errorf("replayed creation %q differs from the first %q", creates[1].form.Encode(), creates[0].form.Encode())
	}
	if n := len(f.requests("confirm")) + len(f.requests("pm")); n != 2 {
		t.Errorf("got %d payment method and confirm calls, want Resolve to add none", n)
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name     string
		route    string
		answer   answer
		wantErr  bool
		noEffect bool
		cancels  int
	}{
		{"declined", "retrieve", answer{file: "pi_requires_payment_method_declined.json"}, false, false, 0},
		{"waits for the customer", "retrieve", answer{file: "pi_requires_action.json"}, false, false, 0},
		{"never confirmed", "retrieve", answer{file: "pi_requires_payment_method.json"}, true, true, 1},
		{"creation refused", "create", answer{status: 400, file: "error_invalid_request.json"}, true, false, 0},
		{"Stripe down", "retrieve", answer{status: 500, file: "error_api.json"}, true, false, 0},
		{"not found", "retrieve", answer{status: 404, file: "error_invalid_request.json"}, true, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStripe(t)
			f.set(tt.route, tt.answer)
			req := sampleRequest()
			req.Card = acquirer.Card{}
			got, err := f.connector(0).Resolve(context.Background(), req)
			if (err != nil) != tt.wantErr || errors.Is(err, acquirer.ErrNoEffect) != tt.noEffect {
				t.Fatalf("got %+v, %v; want an error %v, no effect %v", got, err, tt.wantErr, tt.noEffect)
			}
			cancels := f.requests("cancel")
			if len(cancels) != tt.cancels {
				t.Fatalf("got %d cancellations, want %d", len(cancels), tt.cancels)
			}
			if tt.cancels > 0 && cancels[0].form.Get("cancellation_reason") != "abandoned" {
				t.Errorf("got cancellation %v, want reason abandoned", cancels[0].form)
			}
		})
	}
}

// A PaymentIntent that an earlier attempt took past confirmation answers
// with its outcome.
func TestAuthorizeAfterApproval(t *testing.T) {
	f := newFakeStripe(t)
	f.set("confirm", answer{status: 400, file: "error_unexpected_state.json"})
	got, err := f.connector(0).Authorize(context.Background(), sampleRequest())
	if err != nil || !got.Approved || got.AcquirerRef != piID {
		t.Errorf("got %+v, %v; want approved %s", got, err, piID)
	}
}

func TestAuthorizeParameters(t *testing.T) {
	f := newFakeStripe(t)
	c := f.connector(0)
	req := sampleRequest()
	req.StatementDescriptor = `"Fancy" <Shop> Order 1234567890`
	if _, err := c.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	create := f.requests("create")[0].form
	wantCreate := map[string]string{"amount": "2000", "currency": "usd", "capture_method": "automatic",
		"metadata[tradeNo]": "T20260101000001", "payment_method_types[0]": "card",
		"statement_descriptor_suffix": "Fancy Shop Order 12345"}
	checkForm(t, "create", create, wantCreate)
	for k := range create {
		if strings.Contains(k, "card[") || strings.Contains(k, "payment_method_data") || k == "confirm" {
			t.Errorf("create carries %s", k)
		}
	}
	checkForm(t, "payment method", f.requests("pm")[0].form, map[string]string{"type": "card",
		"card[number]": testPAN, "card[cvc]": testCVC, "card[exp_month]": "12", "card[exp_year]": "2030",
		"billing_details[name]": "Jenny Rosen"})
	checkForm(t, "confirm", f.requests("confirm")[0].form, map[string]string{
		"payment_method": "pm_1MtwBvLkdIwHu7ixMzCNvWCj", "return_url": "https://shop.example/return",
		"expand[0]": "latest_charge", "off_session": "", "error_on_requires_action": ""})

	req = sampleRequest()
	req.Reference, req.Capture, req.Initiator, req.Card.CVC = "T2", false, "merchant", ""
	req.Amount = paygate.Money{Minor: 500, Currency: "ISK"}
	if _, err := c.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	checkForm(t, "merchant-initiated create", f.requests("create")[1].form, map[string]string{
		"amount": "50000", "currency": "isk", "capture_method": "manual"})
	checkForm(t, "merchant-initiated payment method", f.requests("pm")[1].form, map[string]string{"card[cvc]": ""})
	checkForm(t, "merchant-initiated confirm", f.requests("confirm")[1].form, map[string]string{
		"off_session": "true", "return_url": "", "error_on_requires_action": ""})

	req = sampleRequest()
	req.Reference, req.ReturnURL = "T3", ""
	if _, err := c.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	checkForm(t, "confirm without return URL", f.requests("confirm")[2].form, map[string]string{
		"error_on_requires_action": "true", "return_url": "", "off_session": ""})
}

func checkForm(t *testing.T, what string, form map[string][]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got := ""
		if len(form[k]) > 0 {
			got = form[k][0]
		}
		if got != v {
			t.Errorf("%s: %s is %q, want %q", what, k, got, v)
		}
	}
}

func TestIdempotencyKeys(t *testing.T) {
	f := newFakeStripe(t)
	c := f.connector(0)
	ctx := context.Background()
	for range 2 {
		if _, err := c.Authorize(ctx, sampleRequest()); err != nil {
			t.Fatal(err)
		}
	}
	usd := paygate.Money{Minor: 1000, Currency: "USD"}
	_, err1 := c.Capture(ctx, piID, usd)
	_, err2 := c.Void(ctx, piID)
	_, err3 := c.Refund(ctx, piID, "R20260101000001", usd)
	req := sampleRequest()
	req.Card = acquirer.Card{}
	_, err4 := c.Resolve(ctx, req)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	for _, s := range f.requests("") {
		if s.method == "GET" {
			if s.key != "" {
				t.Errorf("%s %s carries Idempotency-Key %q, which Stripe ignores on GET", s.method, s.path, s.key)
			}
			continue
		}
		if !strings.HasPrefix(s.key, "paygate:") {
			t.Errorf("%s %s: Idempotency-Key %q does not begin with paygate:", s.method, s.path, s.key)
		}
	}
	want := map[string]string{"create": "paygate:T20260101000001:create", "capture": "paygate:" + piID + ":capture",
		"refund": "paygate:refund:R20260101000001"}
	for route, key := range want {
		if got := f.requests(route)[0].key; got != key {
			t.Errorf("%s: got key %q, want %q", route, got, key)
		}
	}
	// A cancel has a key of its own each time: a refusal is not replayed.
	if _, err := c.Void(ctx, piID); err != nil {
		t.Fatal(err)
	}
	if cancels := f.requests("cancel"); !strings.HasPrefix(cancels[0].key, "paygate:"+piID+":cancel:") || cancels[0].key == cancels[1].key {
		t.Errorf("cancel keys: %q, %q; want paygate:<pi>:cancel:<nonce>, one each", cancels[0].key, cancels[1].key)
	}
	// Each attempt on the payment has keys of its own.
	pm, confirm := f.requests("pm"), f.requests("confirm")
	if pm[0].key == pm[1].key || confirm[0].key == confirm[1].key || pm[0].key == confirm[0].key {
		t.Errorf("attempts share keys: %q %q, %q %q", pm[0].key, pm[1].key, confirm[0].key, confirm[1].key)
	}
}

// Neither an error nor a decline repeats the card number or CVC, even when
// Stripe's answer (or something posing as it) does.
func TestNoCardDataInErrors(t *testing.T) {
	echo := `{"error": {"type": "invalid_request_error", "code": "parameter_invalid", "param": "card[number]",
		"message": "Invalid card: ` + testPAN + ` cvc ` + testCVC + `"}}`
	decline := strings.Replace(cardError(t, "card_declined", "do_not_honor"),
		`"Your card has insufficient funds."`, `"Card `+testPAN+` declined"`, 1)
	tests := []struct {
		name, route string
		answer      answer
	}{
		{"400 quoting the card", "pm", answer{status: 400, body: echo}},
		{"500 quoting the card", "pm", answer{status: 500, body: echo}},
		{"unreadable answer quoting the card", "pm", answer{body: "number=" + testPAN + "&cvc=" + testCVC}},
		{"decline quoting the card", "confirm", answer{status: 402, body: decline}},
		{"confirm unreadable", "confirm", answer{status: 502, body: "card[number]=" + testPAN}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStripe(t)
			f.set(tt.route, tt.answer)
			got, err := f.connector(0).Authorize(context.Background(), sampleRequest())
			text := got.Message
			if err != nil {
				text += " " + err.Error()
			}
			if text == "" {
				t.Fatalf("got %+v and no error, want a failure", got)
			}
			if strings.Contains(text, testPAN) || strings.Contains(text, testCVC) {
				t.Errorf("%q holds card data", text)
			}
		})
	}
}

func TestAmount(t *testing.T) {
	tests := []struct {
		in      paygate.Money
		want    int64
		wantErr bool
	}{
		{paygate.Money{Minor: 1050, Currency: "USD"}, 1050, false},
		{paygate.Money{Minor: 500, Currency: "JPY"}, 500, false},
		{paygate.Money{Minor: 1230, Currency: "KWD"}, 1230, false},
		{paygate.Money{Minor: 5, Currency: "ISK"}, 500, false},
		{paygate.Money{Minor: 120000, Currency: "MGA"}, 1200, false},
		{paygate.Money{Minor: 120050, Currency: "MGA"}, 0, true},
		{paygate.Money{Minor: 0, Currency: "USD"}, 0, true},
		{paygate.Money{Minor: 100, Currency: "XXX"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in.Currency+" "+tt.in.String(), func(t *testing.T) {
			got, err := amount(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDescriptorSuffix(t *testing.T) {
	tests := map[string]string{
		"ORDER 1001":                        "ORDER 1001",
		"":                                  "",
		"12345":                             "",
		`Café "Crème" <Brûlée>`:             "Café Crème Brûlée",
		"订单 Order 42":                       "Order 42",
		"A very long descriptor for a shop": "A very long descriptor",
		"  padded  ":                        "padded",
	}
	for in, want := range tests {
		if got := descriptorSuffix(in); got != want {
			t.Errorf("descriptorSuffix(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAttemptsArePaymentIntentsOfTheirOwn: each card of the cashier page
// (AuthorizeRequest.Attempt) is a PaymentIntent of its own, created under
// a key of its own and marked with its attempt, so an earlier card's error
// or cancellation never stands for a later card's; a payment with one card
// keeps the plain key.
func TestAttemptsArePaymentIntentsOfTheirOwn(t *testing.T) {
	f := newFakeStripe(t)
	c := f.connector(0)
	for _, attempt := range []int{0, 1, 2} {
		req := sampleRequest()
		req.Attempt = attempt
		if _, err := c.Authorize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	creates := f.requests("create")
	want := []string{"paygate:T20260101000001:create", "paygate:T20260101000001:1:create", "paygate:T20260101000001:2:create"}
	for i, w := range want {
		if creates[i].key != w {
			t.Errorf("attempt %d: key %q, want %q", i, creates[i].key, w)
		}
	}
	if a := creates[0].form.Get("metadata[attempt]"); a != "" {
		t.Errorf("a payment's one card is marked attempt %q, want none", a)
	}
	if a := creates[2].form.Get("metadata[attempt]"); a != "2" {
		t.Errorf("the second card is marked attempt %q, want 2", a)
	}
}
