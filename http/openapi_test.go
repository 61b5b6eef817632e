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

	"paygate/gateway"
)

// routes lists every pattern registered in server.go's routes(), but the
// catch-all "/" that answers not_found.
var routes = []string{
	"POST /v1/auth/token",
	"POST /v1/payments",
	"POST /v1/payments/capture",
	"POST /v1/payments/cancel",
	"POST /v1/payments/inquiry",
	"GET /v1/payments/{tradeNo}",
	"POST /v1/refunds",
	"POST /v1/refunds/inquiry",
	"GET /openapi.json",
	"GET /docs",
	"GET /docs/{file}",
	"GET /healthz",
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
	if !slices.Equal(documented, want) {
		t.Errorf("documented operations: got %v, want %v", documented, want)
	}
	if got := registeredRoutes(t); !slices.Equal(got, want) {
		t.Errorf("routes registered in server.go: got %v, want %v (update routes and openapi.json)", got, want)
	}
}

// checkOperation checks the conventions every operation follows: the bearer
// scheme on /v1 but the token call, X-Request-Id on every answer, the Error
// schema on every JSON error, Retry-After on 429.
func checkOperation(t *testing.T, name string, op *openapi3.Operation) {
	t.Helper()
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
		if p, err := strconv.Unquote(lit.Value); err == nil && p != "/" {
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
		{schema("Payment"), "Payment", paymentView{}},
		{schema("PaymentCard"), "PaymentCard", cardView{}},
		{schema("PaymentThreeDs"), "PaymentThreeDs", threeDSView{}},
		{schema("PaymentRisk"), "PaymentRisk", riskView{}},
		{schema("NextAction"), "NextAction", nextActionView{}},
		{schema("Refund"), "Refund", refundView{}},
		{schema("Token"), "Token", tokenView{}},
		{schema("Error"), "Error", errorView{}},
		{schema("Error").Properties["error"].Value, "Error.error", errorBody{}},
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

	requests := []struct {
		name string
		v    any
	}{
		{"CreatePaymentRequest", gateway.CreatePaymentRequest{}},
		{"Card", gateway.CardInput{}},
		{"ThreeDsData", gateway.ThreeDsData{}},
		{"Address", gateway.Address{}},
		{"Phone", gateway.Phone{}},
		{"Billing", gateway.Billing{}},
		{"Shipping", gateway.Shipping{}},
		{"ProductInfo", gateway.ProductInfo{}},
		{"DeviceInfo", gateway.DeviceInfo{}},
		{"Browser", gateway.Browser{}},
		{"Location", gateway.Location{}},
		{"Mobile", gateway.Mobile{}},
		{"CaptureRequest", gateway.CaptureRequest{}},
		{"CancelRequest", gateway.CancelRequest{}},
		{"InquiryRequest", gateway.InquiryRequest{}},
		{"RefundRequest", gateway.RefundRequest{}},
		{"RefundInquiryRequest", gateway.RefundInquiryRequest{}},
	}
	for _, c := range requests {
		props, _ := jsonFields(reflect.TypeOf(c.v))
		if got := slices.Sorted(maps.Keys(schema(c.name).Properties)); !slices.Equal(got, props) {
			t.Errorf("%s properties: got %v, want %v", c.name, got, props)
		}
	}
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
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			required = append(required, name)
		}
	}
	sort.Strings(names)
	sort.Strings(required)
	return names, required
}
