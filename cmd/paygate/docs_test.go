package main

import (
	"os"
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
