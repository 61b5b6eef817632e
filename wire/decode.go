package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"paygate"
)

// Decode reads a request body into v, strictly: a body that is not one
// JSON object, nests deeper than MaxDepth, or gives a name twice is
// invalid_json; a name that matches a field only ignoring case, or a value
// of the wrong kind, is invalid_parameter naming it as a JSON path. Names
// that match no field are ignored. Time and memory are linear in the
// body's size.
func Decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return paygate.Errorf(paygate.EInvalidJSON, "request body must be a JSON object")
	}
	if err := checkDepth(body); err != nil {
		return err
	}
	if err := checkNames(body, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			field := typeErrorPath(body, v)
			if field == "" {
				field = jsonPath(te.Field)
			}
			if te.Value == "null" { // only Metadata refuses null
				return paygate.InvalidParam(field, "%s must be %s, not null: metadata values are strings", field, jsonKind(te.Type.String()))
			}
			return paygate.InvalidParam(field, "%s must be %s", field, jsonKind(te.Type.String()))
		}
		return paygate.Errorf(paygate.EInvalidJSON, "request body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return paygate.Errorf(paygate.EInvalidJSON, "request body must hold one JSON object")
	}
	return nil
}

// jsonPath turns encoding/json's field path into the request's: the names of
// embedded Go structs ("OrderRef.orderNo") are not in the JSON. Every JSON
// name of this API starts with a lower-case letter.
func jsonPath(field string) string {
	var keep []string
	for _, part := range strings.Split(field, ".") {
		if part != "" && (part[0] < 'A' || part[0] > 'Z') {
			keep = append(keep, part)
		}
	}
	if len(keep) == 0 {
		return field
	}
	return strings.Join(keep, ".")
}

func jsonKind(goType string) string {
	switch {
	case goType == "wire.MetadataValue":
		return "a string or an object of strings"
	case goType == "string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "a boolean"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["):
		return "an object of strings"
	}
	return "an object"
}

// MaxTrackerBatch is the most trackers one POST /v1/tracking/batch adds.
const MaxTrackerBatch = 20

// DecodeTrackerBatch reads a batch body: the interface document's bare array of trackers, or an
// object {"trackers": [...]}. Each item is decoded on its own, so a bad item
// is that item's error and not the batch's.
func DecodeTrackerBatch(body []byte) (reqs []*TrackerRequest, errs []error, err error) {
	body = bytes.TrimSpace(body)
	if err := checkDepth(body); err != nil {
		return nil, nil, err
	}
	var raw []json.RawMessage
	if len(body) > 0 && body[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, paygate.Errorf(paygate.EInvalidJSON, "request body is not valid JSON")
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, nil, paygate.Errorf(paygate.EInvalidJSON, "request body must hold one JSON array or object")
		}
	} else {
		var obj struct {
			Trackers []json.RawMessage `json:"trackers"`
		}
		if err := Decode(body, &obj); err != nil {
			return nil, nil, err
		}
		if obj.Trackers == nil {
			return nil, nil, paygate.InvalidParam("trackers", "trackers is required: an array of 1-%d trackers", MaxTrackerBatch)
		}
		raw = obj.Trackers
	}
	reqs, errs = make([]*TrackerRequest, len(raw)), make([]error, len(raw))
	for i, item := range raw {
		req := new(TrackerRequest)
		if err := Decode(item, req); err != nil {
			if paygate.ErrorCode(err) == paygate.EInvalidJSON {
				p := "trackers[" + strconv.Itoa(i) + "]"
				err = paygate.InvalidParam(p, "%s must be a JSON object", p)
			}
			errs[i] = err
			continue
		}
		reqs[i] = req
	}
	return reqs, errs, nil
}

// DecodeCreatePayment is Decode for a create-payment body, whose objects of
// other methods than its paymentMethodType are ignored, as the rules ignore
// them: a value of the wrong type in one (alipay.productType: 5 on a card
// payment) is no error. The card object belongs to the methods that pay
// with a card (card, applePay, googlePay). Only a body that fails on such an
// object is read twice.
func DecodeCreatePayment(body []byte, req *CreatePaymentRequest) error {
	err := Decode(body, req)
	if paygate.ErrorCode(err) != paygate.EInvalidParameter {
		return err
	}
	var head struct {
		PaymentMethodType string `json:"paymentMethodType"`
	}
	object, _, _ := strings.Cut(paygate.ErrorParam(err), ".")
	object, _, _ = strings.Cut(object, "[")
	if json.Unmarshal(body, &head) != nil || !otherMethodObject(object, head.PaymentMethodType) {
		return err
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return err
	}
	for name := range fields {
		if otherMethodObject(name, head.PaymentMethodType) {
			delete(fields, name)
		}
	}
	stripped, merr := json.Marshal(fields)
	if merr != nil {
		return err
	}
	*req = CreatePaymentRequest{}
	return Decode(stripped, req)
}

// methodObjects are the create-payment body's per-method objects, by name.
var methodObjects = map[string]bool{"card": true, "wechat": true, "alipay": true, "alipayPlus": true, "upay": true,
	"payNow": true, "grabPay": true, "shopeePay": true, "paypal": true, "applePay": true, "googlePay": true}

// otherMethodObject reports whether name is the object of a method other
// than method.
func otherMethodObject(name, method string) bool {
	if !methodObjects[name] || name == method {
		return false
	}
	paysByCard := method == "card" || method == "applePay" || method == "googlePay"
	return !(name == "card" && paysByCard)
}
