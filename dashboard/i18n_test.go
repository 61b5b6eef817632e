package dashboard

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"
)

// TestMessagesComplete: both languages have the same texts, and every text
// a template names exists (a missing one would render as nothing).
func TestMessagesComplete(t *testing.T) {
	for k := range messages["en"] {
		if _, ok := messages["zh"][k]; !ok {
			t.Errorf("zh lacks %q", k)
		}
	}
	for k := range messages["zh"] {
		if _, ok := messages["en"][k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	used := regexp.MustCompile(`\.T\.([A-Za-z0-9_]+)`)
	indexed := regexp.MustCompile(`index \$?[.a-zA-Z]*T \(printf "([a-z_]+)%s" ([^)]+)\)`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(templateFS, path)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages["en"][m[1]]; !ok {
				t.Errorf("%s names .T.%s, which has no text", path, m[1])
			}
		}
		for _, m := range indexed.FindAllStringSubmatch(string(b), -1) {
			if m[1] == "role_" || m[1] == "rotate_" || m[1] == "tc_" {
				continue // checked below
			}
			t.Errorf("%s: an index of T by %q%s is not checked here", path, m[1], m[2])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"role_admin", "role_developer", "role_viewer", "role_operator", "rotate_secret", "rotate_notify",
		"confirm_capture", "confirm_cancel", "confirm_refund", "confirm_resend", "confirm_disable", "confirm_enable",
		"confirm_rotate_secret", "confirm_rotate_notify", "done_capture", "done_cancel", "done_refund", "done_resend",
		"bad_email", "bad_password"} {
		if !slices.Contains(keys(messages["en"]), k) {
			t.Errorf("no text %q, which the handlers name", k)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
