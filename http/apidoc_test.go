package http

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var updateAPIDoc = flag.Bool("update", false, "rewrite ../docs/api.md from the OpenAPI document")

// apiDocHead and apiDocTail frame the OpenAPI document's description in
// docs/api.md, the conventions of the API readable without a server.
const (
	apiDocHead = "# The paygate API\n\n" +
		"<!-- Generated from the description of http/openapi.json: edit it there and run\n" +
		"     go test ./http -run TestAPIDoc -update -->\n\n" +
		"Every operation, field and limit is in the OpenAPI 3.1 document\n" +
		"[`http/openapi.json`](../http/openapi.json), which a running server serves at `/openapi.json`\n" +
		"and renders at `/docs`. This page holds its conventions.\n\n"
	apiDocTail = "\n\nMore: [`checkout.md`](checkout.md), [`wallets.md`](wallets.md),\n" +
		"[`notifications.md`](notifications.md), [`tracking.md`](tracking.md), and the choices made\n" +
		"where a question is not obvious in [`decisions.md`](decisions.md).\n"
)

// TestAPIDoc keeps docs/api.md the OpenAPI document's description.
func TestAPIDoc(t *testing.T) {
	var doc struct {
		Info struct{ Description string }
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	want := apiDocHead + doc.Info.Description + apiDocTail
	if *updateAPIDoc {
		if err := os.WriteFile("../docs/api.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/api.md differs from the OpenAPI document's description: run go test ./http -run TestAPIDoc -update")
	}
}
