package paygate

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// storedKind is a type the stores keep as JSON (a row's body, or an
// idempotency record's answer): a fully populated value, the zero value and,
// where it holds other structs, a value whose parts are present but zero, so
// that both the names and the omitempty behaviour are pinned.
type storedKind struct {
	name       string
	full, zero any
	zeroParts  any // nil when the kind holds no struct of paygate
}

func storedKinds() []storedKind {
	return []storedKind{
		{"Payment", fullPayment(), &Payment{}, &Payment{Card: &CardDetails{}, ThreeDS: &ThreeDS{}, Risk: &Risk{},
			NextAction: &NextAction{}, Wallet: &Wallet{}, StoredCredential: &StoredCredential{}, Attempts: []ConnectorAttempt{{}}}},
		{"Refund", fullRefund(), &Refund{}, nil},
		{"Session", fullSession(), &Session{}, nil},
		{"Tracker", fullTracker(), &Tracker{}, &Tracker{History: []TrackerChange{{}}}},
		{"Notification", fullNotification(), &Notification{}, nil},
		{"Dispute", fullDispute(), &Dispute{}, nil},
	}
}

// TestStoredFormat compares the JSON each stored kind is written as with
// testdata/stored_format.golden (rewritten with -update). The file is the
// stored format: a diff in it is a change of what is in the database, which
// needs a migration, not only a code review.
func TestStoredFormat(t *testing.T) {
	const golden = "testdata/stored_format.golden"
	var b strings.Builder
	for _, k := range storedKinds() {
		for _, v := range []struct {
			variant string
			value   any
		}{{"full", k.full}, {"zero", k.zero}, {"zero parts", k.zeroParts}} {
			if v.value == nil {
				continue
			}
			raw, err := json.Marshal(v.value)
			if err != nil {
				t.Fatalf("%s %s: %v", k.name, v.variant, err)
			}
			var out bytes.Buffer
			if err := json.Indent(&out, raw, "", "  "); err != nil {
				t.Fatal(err)
			}
			b.WriteString("== " + k.name + " (" + v.variant + ")\n")
			b.Write(out.Bytes())
			b.WriteString("\n")
		}
	}
	got := b.String()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s changed: the stored format is frozen (a change needs a migration; then run go test -update):\ngot\n%s\nwant\n%s", golden, got, want)
	}
}

// TestStoredFormatReads decodes the golden JSON of each kind back: rows
// written in the frozen format read as the value they were written from.
func TestStoredFormatReads(t *testing.T) {
	for _, k := range storedKinds() {
		t.Run(k.name, func(t *testing.T) {
			raw, err := json.Marshal(k.full)
			if err != nil {
				t.Fatal(err)
			}
			got := reflect.New(reflect.TypeOf(k.full).Elem())
			if err := json.Unmarshal(raw, got.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Interface(), k.full) {
				t.Errorf("%s read back: got %+v, want %+v", k.name, got.Elem().Interface(), reflect.ValueOf(k.full).Elem().Interface())
			}
		})
	}
}

// TestStoredFieldsTagged fails when a type reachable from a stored kind has
// an exported field without a json name in its tag: the field's stored name
// would then follow its Go name, and a rename would lose it from every row.
func TestStoredFieldsTagged(t *testing.T) {
	seen := map[reflect.Type]bool{}
	for _, k := range storedKinds() {
		for _, problem := range untagged(reflect.TypeOf(k.full), k.name, seen) {
			t.Error(problem)
		}
	}
}

// TestStoredValuesFull fails when a field of a stored kind is left zero in
// its full value above, so that the golden file shows every stored name.
func TestStoredValuesFull(t *testing.T) {
	for _, k := range storedKinds() {
		for _, path := range zeroFields(reflect.ValueOf(k.full), k.name) {
			t.Errorf("%s is zero in the full %s of stored_test.go: set it, so the golden file shows its stored name", path, k.name)
		}
	}
}

// untagged lists the exported fields of t (and of the paygate types it
// holds) whose json tag does not name them.
func untagged(t reflect.Type, path string, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeFor[Payment]().PkgPath() || seen[t] {
		return nil // time.Time, json.RawMessage and the like have a format of their own
	}
	seen[t] = true
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			out = append(out, path+"."+f.Name+" ("+t.Name()+") has no json name in its tag")
		}
		if name == "-" {
			continue
		}
		out = append(out, untagged(f.Type, path+"."+f.Name, seen)...)
	}
	return out
}

// zeroFields lists the paths of the zero exported fields of v, recursively
// through the paygate structs it holds.
func zeroFields(v reflect.Value, path string) []string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return []string{path}
		}
		v = v.Elem()
	}
	if v.IsZero() {
		return []string{path}
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct {
		return zeroFields(v.Index(0), path+"[0]")
	}
	if v.Kind() != reflect.Struct || v.Type().PkgPath() != reflect.TypeFor[Payment]().PkgPath() {
		return nil
	}
	var out []string
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.IsExported() {
			out = append(out, zeroFields(v.Field(i), path+"."+f.Name)...)
		}
	}
	return out
}

var storedAt = time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

func storedTime(d time.Duration) *time.Time { t := storedAt.Add(d); return &t }

func fullPayment() *Payment {
	return &Payment{
		TradeNo: "T1", MerchantID: "m_1", OrderNo: "O1", Status: StatusAuthorized, Version: 3, NotifySeq: 2,
		Amount:        Money{Minor: 10_099, Currency: "USD"},
		CapturedMinor: 1, RefundedMinor: 2, RefundingMinor: 3, FeeMinor: 4, DisputeID: "dp_1", DisputeStatus: DisputeWon,
		PaymentMethodType: MethodCard, CaptureMethod: CaptureManual, Description: "2 × café",
		BillingDesc: "PAYGATE*SHOP", FraudMode: "strict", NotificationURL: "https://shop.example/notify",
		FrontURL: "https://shop.example/back",
		Card: &CardDetails{Brand: "visa", BIN: "424242", Last4: "4242", ExpiryMonth: 12, ExpiryYear: 2030,
			HolderName: "Jane Doe", Fingerprint: "fp_1"},
		ThreeDS: &ThreeDS{Mode: "challenge", Version: "2.2.0", ECI: "05", CAVV: "AAAB", DSTransID: "ds-1", XID: "xid-1",
			AuthenticationResultCode: "Y", LiabilityShift: true},
		Risk: &Risk{Decision: "approve", Score: 42, Reasons: []string{"velocity_ok"},
			Details: []RiskReason{{Code: "velocity_ok", Message: "the card is seen rarely"}}},
		NextAction: &NextAction{Type: "sdk", URL: "https://pay.example/3ds/T1", QRCode: "qr", QRImageURL: "https://pay.example/qr.png",
			SDKParams: map[string]string{"appId": "wx1"}, SimulateURL: "https://pay.example/simulate/T1"},
		Wallet: &Wallet{ProductType: ProductQRCode, Reference: "T1-1", StoreID: "s1", SubAppID: "sub1", LimitPayMethod: "no_credit",
			Attach: "attach", Metadata: json.RawMessage(`{"k":"v"}`), BuyerAccount: "j***@example.com", Funding: "balance",
			TransactionID: "wx-1", SettleAt: storedTime(time.Minute)},
		WalletAttempts: 1, FailureCode: "soft_decline", FailureMessage: "Do not honour",
		TransactionIdentifier: "tx_1",
		StoredCredential:      &StoredCredential{TransactionIdentifier: "tx_1", Reason: ReasonRecurring, Initiator: "merchant", Stored: true},
		SchemeTransactionID:   "stid-1", AcquirerRef: "ACQ-1", AuthCode: "A1B2C3",
		Connector: "stripe_us", Attempts: []ConnectorAttempt{{Connector: "stripe_eu", Outcome: "declined", Code: "processing_error", LatencyMs: 12, At: storedAt},
			{Connector: "stripe_us", Outcome: "approved", Code: "", LatencyMs: 230, At: storedAt.Add(time.Second)}},
		Billing: json.RawMessage(`{"name":"Jane"}`), Shipping: json.RawMessage(`{"name":"Jane"}`),
		ProductInfo: json.RawMessage(`[{"sku":"A-1"}]`), DeviceInfo: json.RawMessage(`{"clientIp":"203.0.113.7"}`),
		Metadata: json.RawMessage(`{"cart":"c_1"}`), RequestHash: "rh_1", SessionID: "cs_1", PendingCard: []byte("sealed"),
		WrongChallengeCodes: 2, CardAttempts: 3, ClaimedUntil: storedTime(2 * time.Minute),
		CreatedAt: storedAt, UpdatedAt: storedAt.Add(time.Second), AuthorizedAt: storedTime(3 * time.Second), ExpiresAt: storedTime(time.Hour),
	}
}

func fullRefund() *Refund {
	return &Refund{RefundID: "R1", MerchantID: "m_1", RefundNumber: "RN1", TradeNo: "T1", OrderNo: "O1", Status: RefundSucceeded,
		Version: 2, Amount: Money{Minor: 1_000, Currency: "USD"}, Reason: "customer request", ClientIP: "198.51.100.4",
		NotificationURL: "https://shop.example/notify", FailureCode: "none", FailureMessage: "none", AcquirerRef: "ACQ-R1",
		RequestHash: "rh_R1", CreatedAt: storedAt, UpdatedAt: storedAt.Add(time.Second)}
}

func fullSession() *Session {
	return &Session{SessionID: "cs_1", MerchantID: "m_1", TradeNo: "T1", OrderNo: "O1", Status: SessionComplete, Version: 2,
		LinkMode: "session", FrontURL: "https://shop.example/back", CheckoutURL: "https://pay.example/checkout/cs_1",
		Language: "en", ExpiresAt: storedAt.Add(time.Hour), CreatedAt: storedAt, UpdatedAt: storedAt.Add(time.Second),
		PaymentMethodTypes: []string{MethodCard, MethodWeChat}}
}

func fullDispute() *Dispute {
	closed := storedAt.Add(time.Hour)
	return &Dispute{DisputeID: "dp_1", MerchantID: "m_1", TradeNo: "T1", OrderNo: "O1", Amount: Money{Minor: 10_099, Currency: "USD"},
		FeeMinor: 1_500, Reason: "fraudulent", Status: DisputeWon, Evidence: "winning_evidence", EvidenceDueBy: storedAt.Add(7 * 24 * time.Hour),
		Version: 3, CreatedAt: storedAt, UpdatedAt: closed, ClosedAt: &closed}
}

func fullTracker() *Tracker {
	return &Tracker{TrackerID: "TK1", MerchantID: "m_1", OrderNo: "O1", TradeNo: "T1", TrackingNo: "1Z999", Carrier: CarrierOther,
		CarrierNameOther: "Local Post", ShipmentDate: "2026-01-02", ShipmentDirection: DirectionForward, Status: TrackerShipped,
		TrackingNumberType: TrackingNumberCarrier, TrackingURL: "https://track.example/1Z999", Metadata: map[string]string{"box": "1"},
		MetadataText: "K-V",
		RequestHash:  "rh_TK1", Version: 2,
		History:   []TrackerChange{{At: storedAt, Field: "carrier", From: "UPS", To: CarrierOther, RequestID: "req_1"}},
		CreatedAt: storedAt, UpdatedAt: storedAt.Add(time.Second)}
}

func fullNotification() *Notification {
	return &Notification{NotifyID: "N1", MerchantID: "m_1", EventType: EventPaymentSucceeded, OrderNo: "O1", ObjectID: "T1",
		Sequence: 1, URL: "https://shop.example/hooks", SubscriptionID: "sub_1", Body: json.RawMessage(`{"notifyId":"N1"}`),
		Status: NotificationDelivered, Attempts: 1, MaxAttempts: 8, NextAttemptAt: storedAt.Add(time.Minute),
		LeaseUntil: storedAt.Add(2 * time.Minute), Version: 2, CreatedAt: storedAt, UpdatedAt: storedAt.Add(time.Second)}
}
