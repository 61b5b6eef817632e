package http

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"paygate"
	"paygate/wire"
)

// routes lists every pattern registered in server.go's routes(), but the
// catch-all "/" that answers not_found and the /docs/ redirect.
var routes = []string{
	"POST /v1/auth/token",
	"POST /v1/merchant/secret/rotate",
	"POST /v1/merchant/notify-secret/rotate",
	"POST /v1/checkout/sessions",
	"GET /v1/checkout/sessions/{sessionId}",
	"POST /v1/payments",
	"GET /v1/payments",
	"POST /v1/payments/token",
	"DELETE /v1/payments/token/{transactionIdentifier}",
	"POST /v1/payments/capture",
	"POST /v1/payments/cancel",
	"POST /v1/payments/inquiry",
	"GET /v1/payments/{tradeNo}",
	"POST /v1/refunds",
	"GET /v1/refunds",
	"POST /v1/refunds/inquiry",
	"POST /v1/tracking",
	"POST /v1/tracking/batch",
	"POST /v1/tracking/update",
	"POST /v1/tracking/inquiry",
	"POST /v1/notifications/subscriptions",
	"GET /v1/notifications/subscriptions",
	"DELETE /v1/notifications/subscriptions/{id}",
	"POST /v1/risk/lists/{list}/entries",
	"GET /v1/risk/lists/{list}/entries",
	"DELETE /v1/risk/lists/{list}/entries/{id}",
	"POST /v1/risk/rules",
	"GET /v1/risk/rules",
	"PATCH /v1/risk/rules/{id}",
	"DELETE /v1/risk/rules/{id}",
	"POST /v1/risk/evaluate",
	"GET /v1/risk/settings",
	"PUT /v1/risk/settings",
	"GET /v1/balance",
	"GET /v1/settlements",
	"POST /v1/settlements/close",
	"GET /v1/settlements/{id}",
	"GET /v1/settlements/{id}/items",
	"GET /v1/disputes",
	"GET /v1/disputes/{id}",
	"POST /v1/disputes/{id}/evidence",
	"GET /v1/notifications",
	"POST /v1/notifications/{notifyId}/resend",
	"GET /openapi.json",
	"GET /docs",
	"GET /docs/{file}",
	"GET /healthz",
	"GET /readyz",
	"POST /connectors/{name}/webhook",
	"GET /{$}",
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatalf("load: got %v, want nil", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: got %v, want nil", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi: got %q, want 3.1.x", doc.OpenAPI)
	}

	var documented []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented = append(documented, method+" "+path)
			checkOperation(t, method+" "+path, op)
		}
	}
	sort.Strings(documented)
	want := slices.Sorted(slices.Values(routes))
	// A pattern ending in {$} matches its path exactly: "GET /{$}" is "/".
	var wantDocumented []string
	for _, r := range want {
		wantDocumented = append(wantDocumented, strings.TrimSuffix(r, "{$}"))
	}
	if sort.Strings(wantDocumented); !slices.Equal(documented, wantDocumented) {
		t.Errorf("documented operations: got %v, want %v", documented, wantDocumented)
	}
	if len(doc.Servers) == 0 {
		t.Error("servers: got none, want one")
	}
	if got := registeredRoutes(t); !slices.Equal(got, want) {
		t.Errorf("routes registered in server.go: got %v, want %v (update routes and openapi.json)", got, want)
	}
}

// checkOperation checks the conventions every operation follows: a summary
// and a description, the bearer
// scheme on /v1 but the token call, X-Request-Id on every answer, the Error
// schema on every JSON error, Retry-After on 429.
func checkOperation(t *testing.T, name string, op *openapi3.Operation) {
	t.Helper()
	if op.Summary == "" || op.Description == "" {
		t.Errorf("%s: got summary %q, description %q, want both", name, op.Summary, op.Description)
	}
	secured := op.Security == nil || len(*op.Security) > 0 // nil inherits the document's bearerAuth
	wantSecured := strings.Contains(name, " /v1/") && name != "POST /v1/auth/token"
	if secured != wantSecured {
		t.Errorf("%s secured: got %v, want %v", name, secured, wantSecured)
	}
	for status, resp := range op.Responses.Map() {
		if resp.Value.Headers["X-Request-Id"] == nil {
			t.Errorf("%s %s X-Request-Id header: got none, want one", name, status)
		}
		code, _ := strconv.Atoi(status)
		if code == 429 && resp.Value.Headers["Retry-After"] == nil {
			t.Errorf("%s 429 Retry-After header: got none, want one", name)
		}
		if mt := resp.Value.Content.Get("application/json"); code >= 400 && mt != nil {
			if got := mt.Schema.Ref; got != "#/components/schemas/Error" {
				t.Errorf("%s %s schema: got %q, want the Error schema", name, status, got)
			}
		}
	}
}

// registeredRoutes reads the patterns passed to s.mux.HandleFunc in server.go.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "server.go", nil, 0)
	if err != nil {
		t.Fatalf("parse server.go: got %v, want nil", err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		// "/" is the not_found fallback; "/checkout/", "/3ds/", "/wallet/"
		// and a connector's return address mount the customer's HTML pages, "/dashboard" the web console,
		// which are not part of the JSON API;
		// "/docs/" only redirects to "/docs" (documenting both would make
		// a router that forgives a trailing slash pick either).
		if p, err := strconv.Unquote(lit.Value); err == nil && p != "/" && p != "/checkout/" && p != "/3ds/" && p != "/wallet/" && p != "GET /docs/{$}" &&
			p != "/dashboard" && p != "/dashboard/" && p != "/connectors/{name}/return/" {
			out = append(out, p)
		}
		return true
	})
	sort.Strings(out)
	return out
}

// TestOpenAPISchemasMatchGo checks each schema's properties against the JSON
// names of the Go type it documents, and for responses that required lists
// exactly the fields without omitempty.
func TestOpenAPISchemasMatchGo(t *testing.T) {
	doc := loadOpenAPI(t)
	schema := func(name string) *openapi3.Schema {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Fatalf("schema %s: got none, want one", name)
		}
		return ref.Value
	}
	responses := []struct {
		schema *openapi3.Schema
		name   string
		v      any
	}{
		{schema("Payment"), "Payment", wire.PaymentView{}},
		{schema("PaymentCard"), "PaymentCard", wire.CardView{}},
		{schema("PaymentThreeDs"), "PaymentThreeDs", wire.ThreeDSView{}},
		{schema("PaymentStoredCredential"), "PaymentStoredCredential", wire.StoredCredView{}},
		{schema("PaymentRisk"), "PaymentRisk", wire.RiskView{}},
		{schema("NextAction"), "NextAction", wire.NextActionView{}},
		{schema("PaymentWallet"), "PaymentWallet", wire.WalletView{}},
		{schema("Refund"), "Refund", wire.RefundView{}},
		{schema("Token"), "Token", wire.TokenView{}},
		{schema("Secret"), "Secret", wire.SecretView{}},
		{schema("Subscription"), "Subscription", wire.SubscriptionView{}},
		{schema("SubscriptionList"), "SubscriptionList", struct {
			Subscriptions []wire.SubscriptionView `json:"subscriptions"`
		}{}},
		{schema("SubscriptionDeleted"), "SubscriptionDeleted", struct {
			SubscriptionID string `json:"subscriptionId"`
			Deleted        bool   `json:"deleted"`
		}{}},
		{schema("Notification"), "Notification", wire.NotificationView{}},
		{schema("NotificationList"), "NotificationList", struct {
			Notifications []wire.NotificationView `json:"notifications"`
		}{}},
		{schema("Attempt"), "Attempt", wire.AttemptView{}},
		{schema("Tracker"), "Tracker", wire.TrackerView{}},
		{schema("TrackerChange"), "TrackerChange", wire.TrackerChangeView{}},
		{schema("TrackerList"), "TrackerList", wire.TrackerListView{}},
		{schema("TrackerBatch"), "TrackerBatch", wire.TrackerBatchView{}},
		{schema("TrackerBatchError"), "TrackerBatchError", wire.TrackerBatchError{}},
		{schema("TrackerItemError"), "TrackerItemError", wire.ItemErrorBody{}},
		{schema("Error"), "Error", wire.ErrorView{}},
		{schema("Error").Properties["error"].Value, "Error.error", wire.ErrorBody{}},
	}
	for _, c := range responses {
		props, required := jsonFields(reflect.TypeOf(c.v))
		if got := slices.Sorted(maps.Keys(c.schema.Properties)); !slices.Equal(got, props) {
			t.Errorf("%s properties: got %v, want %v", c.name, got, props)
		}
		if got := slices.Sorted(slices.Values(c.schema.Required)); !slices.Equal(got, required) {
			t.Errorf("%s required: got %v, want %v", c.name, got, required)
		}
		if ap := c.schema.AdditionalProperties.Has; ap == nil || *ap {
			t.Errorf("%s additionalProperties: got open, want false", c.name)
		}
	}

	// The revoke answer is an anonymous struct in handleRevokeToken.
	revoked := schema("StoredCardRevoked")
	props, required := sourceAnonJSONFields(t, "handler.go", "handleRevokeToken")
	if got := slices.Sorted(maps.Keys(revoked.Properties)); !slices.Equal(got, props) {
		t.Errorf("StoredCardRevoked properties: got %v, want %v", got, props)
	}
	if got := slices.Sorted(slices.Values(revoked.Required)); !slices.Equal(got, required) {
		t.Errorf("StoredCardRevoked required: got %v, want %v", got, required)
	}
	if ap := revoked.AdditionalProperties.Has; ap == nil || *ap {
		t.Errorf("StoredCardRevoked additionalProperties: got open, want false")
	}
	if got := revoked.Properties["status"].Value.Const; got != paygate.StoredCardRevoked {
		t.Errorf("StoredCardRevoked status const: got %v, want %s", got, paygate.StoredCardRevoked)
	}

	// The stored-credential enums match the gateway's.
	reasons := []string{paygate.ReasonRecurring, paygate.ReasonInstalment, paygate.ReasonUnscheduled}
	for name, s := range map[string]*openapi3.Schema{
		"TokenPaymentRequest.customerInitiatedReason": schema("TokenPaymentRequest").Properties["customerInitiatedReason"].Value,
		"PaymentStoredCredential.reason":              schema("PaymentStoredCredential").Properties["reason"].Value,
		"Billing.customerInitiatedReason":             schema("Billing").Properties["customerInitiatedReason"].Value,
	} {
		if got := enumStrings(s); !slices.Equal(got, reasons) {
			t.Errorf("%s enum: got %v, want %v", name, got, reasons)
		}
	}
	if got := enumStrings(schema("Billing").Properties["storedcredentials"].Value); !slices.Equal(got, []string{"none", "store"}) {
		t.Errorf("Billing.storedcredentials enum: got %v, want [none store]", got)
	}

	requests := []struct {
		name string
		v    any
	}{
		{"CreatePaymentRequest", wire.CreatePaymentRequest{}},
		{"TokenPaymentRequest", wire.TokenPaymentRequest{}},
		{"Card", wire.CardInput{}},
		{"Wechat", wire.WechatInput{}},
		{"Alipay", wire.AlipayInput{}},
		{"AlipayPlus", wire.AlipayInput{}},
		{"Upay", wire.UpayInput{}},
		{"PayNow", wire.QRInput{}},
		{"GrabPay", wire.QRInput{}},
		{"ShopeePay", wire.QRInput{}},
		{"PayPal", wire.PayPalInput{}},
		{"ApplePay", wire.ApplePayInput{}},
		{"GooglePay", wire.GooglePayInput{}},
		{"SessionRequest", wire.SessionRequest{}},
		{"ThreeDsData", wire.ThreeDsData{}},
		{"Address", wire.Address{}},
		{"Phone", wire.Phone{}},
		{"Billing", wire.Billing{}},
		{"Shipping", wire.Shipping{}},
		{"ProductInfo", wire.ProductInfo{}},
		{"DeviceInfo", wire.DeviceInfo{}},
		{"Browser", wire.Browser{}},
		{"Location", wire.Location{}},
		{"Mobile", wire.Mobile{}},
		{"CaptureRequest", wire.CaptureRequest{}},
		{"CancelRequest", wire.CancelRequest{}},
		{"InquiryRequest", wire.InquiryRequest{}},
		{"RefundRequest", wire.RefundRequest{}},
		{"RefundInquiryRequest", wire.RefundInquiryRequest{}},
		{"SubscriptionRequest", wire.SubscriptionRequest{}},
		{"SecretRotateRequest", wire.SecretRotateRequest{}},
		{"TrackerRequest", wire.TrackerRequest{}},
		{"TrackerUpdateRequest", wire.TrackerUpdateRequest{}},
		{"PatchOp", wire.PatchOp{}},
		{"TrackerInquiryRequest", wire.TrackerInquiryRequest{}},
	}
	for _, c := range requests {
		props, _ := jsonFields(reflect.TypeOf(c.v))
		if got := slices.Sorted(maps.Keys(schema(c.name).Properties)); !slices.Equal(got, props) {
			t.Errorf("%s properties: got %v, want %v", c.name, got, props)
		}
	}
}

// TestOpenAPIWebhooks checks the notification webhook: its Standard Webhooks
// headers, and a NotificationBody that matches the gateway's
// notificationBody (unexported, so read from its source), its event types
// and its API version.
func TestOpenAPIWebhooks(t *testing.T) {
	doc := loadOpenAPI(t)
	item := doc.Webhooks["notification"]
	if item == nil || item.Post == nil {
		t.Fatalf("webhooks.notification.post: got none, want one")
	}
	op := item.Post
	for _, name := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		p := op.Parameters.GetByInAndName("header", name)
		if p == nil || !p.Required {
			t.Errorf("webhook header %s: got %+v, want a required header", name, p)
		}
	}
	if op.Security == nil || len(*op.Security) != 0 {
		t.Errorf("webhook security: got %v, want none", op.Security)
	}
	if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil ||
		op.RequestBody.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/NotificationBody" {
		t.Errorf("webhook body: got %+v, want NotificationBody", op.RequestBody)
	}
	if op.Responses.Value("2XX") == nil {
		t.Errorf("webhook responses: got %v, want 2XX", slices.Sorted(maps.Keys(op.Responses.Map())))
	}

	body := doc.Components.Schemas["NotificationBody"].Value
	props, required := jsonFields(reflect.TypeFor[wire.NotificationBody]())
	if got := slices.Sorted(maps.Keys(body.Properties)); !slices.Equal(got, props) {
		t.Errorf("NotificationBody properties: got %v, want %v", got, props)
	}
	if got := slices.Sorted(slices.Values(body.Required)); !slices.Equal(got, required) {
		t.Errorf("NotificationBody required: got %v, want %v", got, required)
	}
	if ap := body.AdditionalProperties.Has; ap == nil || *ap {
		t.Errorf("NotificationBody additionalProperties: got open, want false")
	}
	events := []string{paygate.EventPaymentAuthorized, paygate.EventPaymentSucceeded, paygate.EventPaymentFailed,
		paygate.EventPaymentCancelled, paygate.EventPaymentExpired, paygate.EventPaymentRefunded,
		paygate.EventRefundSucceeded, paygate.EventRefundFailed, paygate.EventTrackingUpdated,
		paygate.EventCheckoutCompleted, paygate.EventCheckoutExpired, paygate.EventPaymentDisputed, paygate.EventDisputeWon, paygate.EventDisputeLost,
		paygate.EventSettlementClosed}
	for _, s := range []*openapi3.Schema{body.Properties["eventType"].Value, doc.Components.Schemas["Notification"].Value.Properties["eventType"].Value} {
		if got := enumStrings(s); !slices.Equal(got, events) {
			t.Errorf("eventType enum: got %v, want %v", got, events)
		}
	}
	for _, s := range []*openapi3.Schema{body.Properties["apiVersion"].Value,
		doc.Components.Schemas["SubscriptionRequest"].Value.Properties["apiVersion"].Value,
		doc.Components.Schemas["Subscription"].Value.Properties["apiVersion"].Value} {
		if got := enumStrings(s); !slices.Equal(got, []string{paygate.APIVersion}) {
			t.Errorf("apiVersion enum: got %v, want [%s]", got, paygate.APIVersion)
		}
	}
	if got := enumStrings(doc.Components.Schemas["Notification"].Value.Properties["status"].Value); !slices.Equal(got,
		[]string{string(paygate.NotificationPending), string(paygate.NotificationDelivered), string(paygate.NotificationFailed)}) {
		t.Errorf("Notification status enum: got %v", got)
	}

	// The example delivery validates, its refund data matching exactly one
	// of Payment and Refund.
	example := op.RequestBody.Value.Content.Get("application/json").Example
	if example == nil {
		t.Fatalf("webhook example: got none, want one")
	}
	if err := doc.ValidateSchemaJSON(body, example); err != nil {
		t.Errorf("webhook example: got %v, want valid", err)
	}
}

func enumStrings(s *openapi3.Schema) []string {
	var out []string
	for _, v := range s.Enum {
		str, _ := v.(string)
		out = append(out, str)
	}
	return out
}

// sourceAnonJSONFields is jsonFields for the first anonymous struct
// type written inside the function funcName, such as a handler's answer.
func sourceAnonJSONFields(t *testing.T, file, funcName string) (names, required []string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: got %v, want nil", file, err)
	}
	var st *ast.StructType
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Name.Name != funcName || fn.Body == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if st == nil {
				st, _ = n.(*ast.StructType)
			}
			return st == nil
		})
	}
	if st == nil {
		t.Fatalf("%s in %s: got no struct, want one", funcName, file)
	}
	return structJSONFields(t, funcName, st)
}

// structJSONFields returns the sorted JSON names of a parsed struct's fields
// and those of them without omitempty.
func structJSONFields(t *testing.T, typeName string, st *ast.StructType) (names, required []string) {
	t.Helper()
	for _, fld := range st.Fields.List {
		if fld.Tag == nil || len(fld.Names) != 1 {
			t.Fatalf("%s: field without a json tag or name", typeName)
		}
		tag, _ := strconv.Unquote(fld.Tag.Value)
		name, opts, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = fld.Names[0].Name
		}
		names = append(names, name)
		if o := strings.Split(opts, ","); !slices.Contains(o, "omitempty") && !slices.Contains(o, "omitzero") {
			required = append(required, name)
		}
	}
	sort.Strings(names)
	sort.Strings(required)
	return names, required
}

// jsonFields returns the sorted JSON names of a struct's fields (embedded
// structs flattened) and those of them without omitempty.
func jsonFields(typ reflect.Type) (names, required []string) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			n, r := jsonFields(f.Type)
			names, required = append(names, n...), append(required, r...)
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		if o := strings.Split(opts, ","); !slices.Contains(o, "omitempty") && !slices.Contains(o, "omitzero") {
			required = append(required, name)
		}
	}
	sort.Strings(names)
	sort.Strings(required)
	return names, required
}

// TestOpenAPITracking checks what the tracking schemas share with the Go
// code but struct fields: the batch object's fields, the status enums, the
// carrier list and the patch paths.
func TestOpenAPITracking(t *testing.T) {
	doc := loadOpenAPI(t)
	schema := func(name string) *openapi3.Schema {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Fatalf("schema %s: got none, want one", name)
		}
		return ref.Value
	}

	// The batch body is a bare array, or the object wire.DecodeTrackerBatch reads.
	batch := schema("TrackerBatchRequest")
	if len(batch.OneOf) != 2 || !batch.OneOf[0].Value.Type.Is("array") || !batch.OneOf[1].Value.Type.Is("object") {
		t.Fatalf("TrackerBatchRequest: got %d alternatives, want an array and an object", len(batch.OneOf))
	}
	props, _ := sourceAnonJSONFields(t, "../wire/decode.go", "DecodeTrackerBatch")
	if got := slices.Sorted(maps.Keys(batch.OneOf[1].Value.Properties)); !slices.Equal(got, props) {
		t.Errorf("TrackerBatchRequest object properties: got %v, want %v", got, props)
	}
	for i, alt := range []*openapi3.Schema{batch.OneOf[0].Value, batch.OneOf[1].Value.Properties["trackers"].Value} {
		if alt.MinItems != 1 || alt.MaxItems == nil || *alt.MaxItems != wire.MaxTrackerBatch {
			t.Errorf("TrackerBatchRequest alternative %d items: got %d-%v, want 1-%d", i, alt.MinItems, alt.MaxItems, wire.MaxTrackerBatch)
		}
	}

	var statuses []string
	for _, s := range paygate.TrackerStatuses() {
		statuses = append(statuses, string(s))
	}
	for name, s := range map[string]*openapi3.Schema{
		"TrackerRequest.shippingStatus": schema("TrackerRequest").Properties["shippingStatus"].Value,
		"Tracker.status":                schema("Tracker").Properties["status"].Value,
	} {
		if got := enumStrings(s); !slices.Equal(got, statuses) {
			t.Errorf("%s enum: got %v, want %v", name, got, statuses)
		}
	}

	carrier := schema("TrackerRequest").Properties["carrier"].Value.Description
	for _, c := range paygate.Carriers {
		if !strings.Contains(carrier, "`"+c.Code+"`") {
			t.Errorf("TrackerRequest.carrier description: %s is missing", c.Code)
		}
	}

	path := schema("PatchOp").Properties["path"].Value.Description
	for _, p := range []string{"/status", "/carrier", "/carrierNameOther", "/trackingUrl", "/shipmentDate", "/trackingNumberType", "/metadata/<key>"} {
		if !strings.Contains(path, "`"+p+"`") {
			t.Errorf("PatchOp.path description: %s is missing", p)
		}
	}
	if got := enumStrings(schema("PatchOp").Properties["op"].Value); !slices.Equal(got, []string{"add", "replace", "remove"}) {
		t.Errorf("PatchOp.op enum: got %v, want [add replace remove]", got)
	}
}
