package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdLink is a Markdown link's target.
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsStandAlone: a clone of the repository holds what its README and
// docs link to, a LICENSE, and no words only the project's own history
// explains.
func TestDocsStandAlone(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "README.md"))
	if _, err := os.Stat(filepath.Join(root, "LICENSE")); err != nil {
		t.Errorf("LICENSE: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), target)); err != nil {
				t.Errorf("%s links %s, which a clone does not have", f, m[1])
			}
		}
		for _, word := range []string{"the seed", "seed's", "API.md", "../shared", "the issue's"} {
			if strings.Contains(string(b), word) { // case matters: docs/api.md is ours
				t.Errorf("%s says %q, which a reader cannot look up", f, word)
			}
		}
	}
}

// TestDocsReadmeRuns runs the README's first payment as printed, with the
// sandbox merchant's credentials and this server's address filled in, and
// checks the outcomes its comments promise.
func TestDocsReadmeRuns(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "## A first payment")
	_, rest, _ = strings.Cut(rest, "```sh\n")
	script, _, _ := strings.Cut(rest, "```")
	a := startApp(t)
	script = strings.NewReplacer("APP=...; SECRET=...", "APP="+a.Sandbox.Merchant.AppID+"; SECRET="+a.Sandbox.Secret,
		"BASE=http://127.0.0.1:8080", "BASE="+a.URL).Replace(script)
	out, err := exec.Command("bash", "-e", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("README example: %v\n%s", err, out)
	}
	for _, want := range []string{`"status":"AUTHORIZED"`, `"capturedAmount":"80.00"`, `"refundNumber":"RF20261125001"`, `"status":"PARTIALLY_REFUNDED"`,
		"type,tradeNo,refundId,disputeId,at,currency,gross,fee,net\ncapture,"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("README example output lacks %s:\n%s", want, out)
		}
	}

	// A wrong secret stops at the token, showing the error.
	bad := strings.Replace(script, "SECRET="+a.Sandbox.Secret, "SECRET=wrong", 1)
	out, err = exec.Command("bash", "-e", "-c", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no token") || !strings.Contains(string(out), "unauthorized") || strings.Contains(string(out), "AUTHORIZED") {
		t.Errorf("README example with a wrong secret: got %v\n%s\nwant it stopped at the token with the error", err, out)
	}
}
