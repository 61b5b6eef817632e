package wire_test

import (
	"testing"

	"paygate"
	"paygate/wire"
)

// TestDecodeCreatePaymentIgnoresOtherMethods: a value of the wrong type in
// the object of a method other than the payment's is no error; in the
// payment's own method's object it is invalid_parameter naming it.
func TestDecodeCreatePaymentIgnoresOtherMethods(t *testing.T) {
	for _, c := range []struct {
		name, body, param string
	}{
		{"alipay object on a card payment", `{"paymentMethodType":"card","card":{"cardNo":"4242424242424242"},"alipay":{"productType":5}}`, ""},
		{"card object on a wechat payment", `{"paymentMethodType":"wechat","wechat":{"productType":"qr-code"},"card":{"cardNo":4242}}`, ""},
		{"paypal metadata number on a card payment", `{"paymentMethodType":"card","paypal":{"metadata":7}}`, ""},
		{"the card of a card payment", `{"paymentMethodType":"card","card":{"cardNo":4242},"alipay":{"productType":5}}`, "card.cardNo"},
		{"the card of an Apple Pay payment", `{"paymentMethodType":"applePay","card":{"captureMethod":1}}`, "card.captureMethod"},
		{"the wechat object of a wechat payment", `{"paymentMethodType":"wechat","wechat":{"productType":1}}`, "wechat.productType"},
		{"a top-level field", `{"paymentMethodType":"card","amount":1,"alipay":{"productType":5}}`, "amount"},
	} {
		var req wire.CreatePaymentRequest
		err := wire.DecodeCreatePayment([]byte(c.body), &req)
		switch {
		case c.param == "" && err != nil:
			t.Errorf("%s: got %v, want it read", c.name, err)
		case c.param != "" && (paygate.ErrorCode(err) != paygate.EInvalidParameter || paygate.ErrorParam(err) != c.param):
			t.Errorf("%s: got %v, want invalid_parameter on %s", c.name, err, c.param)
		}
		if c.name == "alipay object on a card payment" && (req.Card == nil || req.Card.CardNo != "4242424242424242" || req.Alipay != nil) {
			t.Errorf("%s: read %+v, want the card and no alipay object", c.name, req)
		}
	}
}
