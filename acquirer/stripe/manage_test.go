package stripe

import (
	"context"
	"errors"
	"testing"
	"time"

	"paygate"
	"paygate/acquirer"
)

func TestCaptureVoidRefund(t *testing.T) {
	usd := paygate.Money{Minor: 1000, Currency: "USD"}
	calls := map[string]func(c *Connector) (acquirer.Result, error){
		"capture": func(c *Connector) (acquirer.Result, error) { return c.Capture(context.Background(), piID, usd) },
		"cancel":  func(c *Connector) (acquirer.Result, error) { return c.Void(context.Background(), piID) },
		"refund": func(c *Connector) (acquirer.Result, error) {
			return c.Refund(context.Background(), piID, "R20260101000001", usd)
		},
	}
	tests := []struct {
		name     string
		answer   answer
		want     acquirer.Result
		wantErr  bool
		noEffect bool
	}{
		{"refused", answer{status: 400, file: "error_unexpected_state.json"},
			acquirer.Result{Code: "acquirer_refused", AcquirerRef: piID}, false, false},
		{"not found", answer{status: 404, file: "error_invalid_request.json"},
			acquirer.Result{Code: "acquirer_refused", AcquirerRef: piID}, false, false},
		{"rate limited", answer{status: 429, file: "error_rate_limit.json"}, acquirer.Result{}, true, true},
		{"Stripe down", answer{status: 500, file: "error_api.json"}, acquirer.Result{}, true, false},
		{"timeout", answer{delay: time.Second}, acquirer.Result{}, true, false},
	}
	for route, call := range calls {
		for _, tt := range tests {
			t.Run(route+" "+tt.name, func(t *testing.T) {
				f := newFakeStripe(t)
				f.set(route, tt.answer)
				got, err := call(f.connector(200 * time.Millisecond))
				if (err != nil) != tt.wantErr || errors.Is(err, acquirer.ErrNoEffect) != tt.noEffect {
					t.Fatalf("got %v, want an error %v, no effect %v", err, tt.wantErr, tt.noEffect)
				}
				got.Message = ""
				if got != tt.want {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
			})
		}
	}
}

func TestCaptureVoidRefundSucceed(t *testing.T) {
	f := newFakeStripe(t)
	c := f.connector(0)
	ctx := context.Background()
	r, err := c.Capture(ctx, piID, paygate.Money{Minor: 1500, Currency: "USD"})
	if err != nil || !r.Approved || r.AcquirerRef != piID {
		t.Errorf("Capture: got %+v, %v; want approved", r, err)
	}
	checkForm(t, "capture", f.requests("capture")[0].form, map[string]string{"amount_to_capture": "1500"})
	if r, err := c.Void(ctx, piID); err != nil || !r.Approved {
		t.Errorf("Void: got %+v, %v; want approved", r, err)
	}
	r, err = c.Refund(ctx, piID, "R20260101000001", paygate.Money{Minor: 1000, Currency: "USD"})
	if err != nil || !r.Approved || r.Pending || r.AcquirerRef != "re_3MtwBwLkdIwHu7ix1Xh1Oq2y" {
		t.Errorf("Refund: got %+v, %v; want approved re_3MtwBwLkdIwHu7ix1Xh1Oq2y", r, err)
	}
	checkForm(t, "refund", f.requests("refund")[0].form, map[string]string{"payment_intent": piID,
		"amount": "1000", "metadata[reference]": "R20260101000001"})
}

func TestRefundStatus(t *testing.T) {
	tests := []struct {
		file string
		want acquirer.Result
	}{
		{"refund_succeeded.json", acquirer.Result{Approved: true, AcquirerRef: "re_3MtwBwLkdIwHu7ix1Xh1Oq2y"}},
		{"refund_pending.json", acquirer.Result{Approved: true, Pending: true, AcquirerRef: "re_3MtwBwLkdIwHu7ix1Xh1Oq2y"}},
		{"refund_failed.json", acquirer.Result{Code: "acquirer_refused", AcquirerRef: "re_3MtwBwLkdIwHu7ix1Xh1Oq2y",
			Message: "Stripe could not refund (status failed, failure_reason expired_or_canceled_card)."}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := newFakeStripe(t)
			f.set("refund", answer{file: tt.file})
			got, err := f.connector(0).Refund(context.Background(), piID, "R20260101000001", paygate.Money{Minor: 1000, Currency: "USD"})
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCaptureConnectionRefused(t *testing.T) {
	f := newFakeStripe(t)
	c := f.connector(time.Second)
	f.srv.Close()
	if _, err := c.Capture(context.Background(), piID, paygate.Money{Minor: 1, Currency: "USD"}); !errors.Is(err, acquirer.ErrNoEffect) {
		t.Errorf("got %v, want an error wrapping ErrNoEffect", err)
	}
}
