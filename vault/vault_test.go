package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// testMaster is the fixed key 0x00..0x1f; the golden values below were
// computed for it independently (Python hmac and cryptography's AESGCM), so
// they pin the stored formats: a change here breaks existing data.
func testMaster() []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

func newVault(t testing.TB, master []byte) *Vault {
	t.Helper()
	v, err := New(master)
	if err != nil {
		t.Fatalf("New: got error %v, want nil", err)
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// secretForms returns the spellings of secret that must never appear in an
// error message or printed value.
func secretForms(secret []byte) []string {
	return []string{
		string(secret),
		hex.EncodeToString(secret),
		base64.StdEncoding.EncodeToString(secret),
		base64.RawStdEncoding.EncodeToString(secret),
		base64.URLEncoding.EncodeToString(secret),
		fmt.Sprint(secret),
		fmt.Sprintf("%#v", secret),
	}
}

func assertNoSecret(t *testing.T, what, text string, secret []byte) {
	t.Helper()
	for _, form := range secretForms(secret) {
		if form != "" && strings.Contains(text, form) {
			t.Errorf("%s = %q: got secret %q in it, want none", what, text, form)
		}
	}
}

func TestGolden(t *testing.T) {
	v := newVault(t, testMaster())
	tests := []struct {
		name, got, want string
	}{
		{"KeyID", v.KeyID(), "680b0ae26824cc8b"},
		{"Fingerprint", v.Fingerprint("4111111111111111"), "cefe5fa0d29059fd42aa7fc4e85eb9e0d533cf3aa58d4d41ef2c3198e9c4e9f9"},
		{"RequestHash", v.RequestHash([]byte(`{"amount":100}`)), "1e99294b8c8c2d948f8796260aa0288c768de04f63bad7106d8d32a0434f2a6e"},
		{"TokenKey", hex.EncodeToString(v.TokenKey()), "bc6e450b39ceae8fbefab2dc0da57ceb330f1d1ec722f51459ac2b0892efef54"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
	t.Run("Open", func(t *testing.T) {
		sealed := mustHex(t, "6465666768696a6b6c6d6e6fb84e972a87433e397d899067d2cd8d3c84e06485c0e0e0db3eedfa9554ee59a84c1e78cd845e")
		got, err := v.Open(sealed, []byte("card-row-1"))
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		if want := "4111111111111111|12/30"; string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{"32 bytes", make([]byte, 32), false},
		{"nil", nil, true},
		{"16 bytes", make([]byte, 16), true},
		{"31 bytes", make([]byte, 31), true},
		{"33 bytes", make([]byte, 33), true},
		{"64 bytes", make([]byte, 64), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(tt.key)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrKeySize) {
					t.Errorf("got error %v, want ErrKeySize", err)
				}
				if v != nil {
					t.Errorf("got vault %v, want nil", v)
				}
			}
		})
	}
}

func TestNewCopiesMaster(t *testing.T) {
	master := testMaster()
	v := newVault(t, master)
	want := v.Fingerprint("4111111111111111")
	clear(master)
	if got := v.Fingerprint("4111111111111111"); got != want {
		t.Errorf("after wiping master: got %s, want %s", got, want)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	v := newVault(t, NewKey())
	tests := []struct {
		name           string
		plaintext, aad []byte
	}{
		{"card", []byte("4111111111111111|12/30|Jane Doe"), []byte("card:42")},
		{"empty plaintext", nil, []byte("row-1")},
		{"nil aad", []byte("secret"), nil},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe}, []byte{0}},
		{"large", bytes.Repeat([]byte("x"), 1<<20), []byte("big")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := v.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatalf("Seal: got error %v, want nil", err)
			}
			if got, want := len(sealed), NonceSize+len(tt.plaintext)+16; got != want {
				t.Errorf("sealed length: got %d, want %d", got, want)
			}
			got, err := v.Open(sealed, tt.aad)
			if err != nil {
				t.Fatalf("Open: got error %v, want nil", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open: got %d bytes %.20q, want %d bytes %.20q", len(got), got, len(tt.plaintext), tt.plaintext)
			}
		})
	}
}

func TestOpenFailures(t *testing.T) {
	master := NewKey()
	v := newVault(t, master)
	other := newVault(t, NewKey())
	plaintext := []byte("4111111111111111|12/30")
	aad := []byte("card:42")
	sealed, err := v.Seal(plaintext, aad)
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		v      *Vault
		sealed []byte
		aad    []byte
	}{
		{"wrong key", other, sealed, aad},
		{"wrong aad", v, sealed, []byte("card:43")},
		{"missing aad", v, sealed, nil},
		{"tampered nonce", v, flip(0), aad},
		{"tampered ciphertext", v, flip(NonceSize), aad},
		{"tampered tag", v, flip(len(sealed) - 1), aad},
		{"truncated", v, sealed[:len(sealed)-1], aad},
		{"extended", v, append(bytes.Clone(sealed), 0), aad},
		{"too short", v, sealed[:NonceSize+15], aad},
		{"empty", v, nil, aad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.v.Open(tt.sealed, tt.aad)
			if err == nil {
				t.Fatalf("got plaintext %q and nil error, want error", got)
			}
			if got != nil {
				t.Errorf("got plaintext %q with error, want nil", got)
			}
			if !errors.Is(err, ErrOpen) {
				t.Errorf("got error %v, want ErrOpen", err)
			}
			assertNoSecret(t, "error", err.Error(), plaintext)
			assertNoSecret(t, "error", err.Error(), master)
		})
	}
}

func TestSealIsRandomized(t *testing.T) {
	v := newVault(t, NewKey())
	plaintext, aad := []byte("4111111111111111"), []byte("row")
	a, err := v.Seal(plaintext, aad)
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	b, err := v.Seal(plaintext, aad)
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	if bytes.Equal(a, b) {
		t.Errorf("two Seals of the same plaintext: got equal outputs %x, want different", a)
	}
	if bytes.Equal(a[:NonceSize], b[:NonceSize]) {
		t.Errorf("two Seals: got equal nonces %x, want different", a[:NonceSize])
	}
}

func TestSealHidesPlaintext(t *testing.T) {
	v := newVault(t, NewKey())
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"pan", []byte("4111111111111111")},
		{"repeated", bytes.Repeat([]byte("4242"), 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := v.Seal(tt.plaintext, nil)
			if err != nil {
				t.Fatalf("Seal: got error %v, want nil", err)
			}
			// Any 8-byte window of the plaintext showing up is a leak.
			for i := 0; i+8 <= len(tt.plaintext); i++ {
				if bytes.Contains(sealed, tt.plaintext[i:i+8]) {
					t.Fatalf("sealed %x: got plaintext window %q in it, want none", sealed, tt.plaintext[i:i+8])
				}
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	k1, k2 := NewKey(), NewKey()
	v1, v1again, v2 := newVault(t, k1), newVault(t, bytes.Clone(k1)), newVault(t, k2)
	const pan = "4111111111111111"

	tests := []struct {
		name      string
		a, b      string
		wantEqual bool
	}{
		{"same pan same vault", v1.Fingerprint(pan), v1.Fingerprint(pan), true},
		{"same pan same key new vault", v1.Fingerprint(pan), v1again.Fingerprint(pan), true},
		{"same pan other key", v1.Fingerprint(pan), v2.Fingerprint(pan), false},
		{"other pan", v1.Fingerprint(pan), v1.Fingerprint("4111111111111112"), false},
		{"fingerprint vs request hash", v1.Fingerprint(pan), v1.RequestHash([]byte(pan)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a == tt.b; got != tt.wantEqual {
				t.Errorf("%s vs %s: got equal=%v, want %v", tt.a, tt.b, got, tt.wantEqual)
			}
		})
	}
	t.Run("format", func(t *testing.T) {
		fp := v1.Fingerprint(pan)
		if got := len(fp); got != 64 {
			t.Errorf("length: got %d, want 64", got)
		}
		if strings.Contains(fp, pan) {
			t.Errorf("fingerprint %s: got PAN in it, want none", fp)
		}
	})
}

func TestRequestHash(t *testing.T) {
	v1, v2 := newVault(t, NewKey()), newVault(t, NewKey())
	body := []byte(`{"amount":100,"card":"4111111111111111"}`)
	tests := []struct {
		name      string
		a, b      string
		wantEqual bool
	}{
		{"same body", v1.RequestHash(body), v1.RequestHash(bytes.Clone(body)), true},
		{"other body", v1.RequestHash(body), v1.RequestHash([]byte(`{"amount":101}`)), false},
		{"other key", v1.RequestHash(body), v2.RequestHash(body), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a == tt.b; got != tt.wantEqual {
				t.Errorf("%s vs %s: got equal=%v, want %v", tt.a, tt.b, got, tt.wantEqual)
			}
		})
	}
}

func TestTokenKey(t *testing.T) {
	master := NewKey()
	v := newVault(t, master)
	k := v.TokenKey()
	if got := len(k); got != KeySize {
		t.Fatalf("length: got %d, want %d", got, KeySize)
	}
	if bytes.Equal(k, master) {
		t.Errorf("got the master key, want a derived key")
	}
	k[0] ^= 0xff
	if got := v.TokenKey(); bytes.Equal(got, k) {
		t.Errorf("after modifying the returned slice: got %x, want the original key", got)
	}
}

func TestNewKey(t *testing.T) {
	a, b := NewKey(), NewKey()
	if got := len(a); got != KeySize {
		t.Errorf("length: got %d, want %d", got, KeySize)
	}
	if bytes.Equal(a, b) {
		t.Errorf("two keys: got equal %x, want different", a)
	}
}

func TestVaultPrintingIsRedacted(t *testing.T) {
	master := NewKey()
	v := newVault(t, master)
	forms := map[string]string{
		"%v":        fmt.Sprintf("%v", v),
		"%+v":       fmt.Sprintf("%+v", v),
		"%#v":       fmt.Sprintf("%#v", v),
		"%s":        fmt.Sprintf("%s", v),
		"%x":        fmt.Sprintf("%x", v),
		"%v value":  fmt.Sprintf("%v", *v),
		"%+v value": fmt.Sprintf("%+v", *v),
		"%#v value": fmt.Sprintf("%#v", *v),
	}
	secrets := map[string][]byte{"master": master, "token key": v.TokenKey()}
	for name, text := range forms {
		t.Run(name, func(t *testing.T) {
			for sname, s := range secrets {
				assertNoSecret(t, sname+" in "+name, text, s)
			}
			if !strings.Contains(text, v.KeyID()) {
				t.Errorf("got %q, want it to contain key id %s", text, v.KeyID())
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	key := testMaster()
	tests := []struct {
		name  string
		input string
	}{
		{"std padded", base64.StdEncoding.EncodeToString(key)},
		{"std raw", base64.RawStdEncoding.EncodeToString(key)},
		{"url padded", base64.URLEncoding.EncodeToString(key)},
		{"url raw", base64.RawURLEncoding.EncodeToString(key)},
		{"trailing newline", base64.StdEncoding.EncodeToString(key) + "\n"},
		{"crlf and spaces", "  " + base64.StdEncoding.EncodeToString(key) + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.input)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !bytes.Equal(got, key) {
				t.Errorf("got %x, want %x", got, key)
			}
		})
	}
	t.Run("url alphabet", func(t *testing.T) {
		// A key whose encodings contain "+/" (std) and "-_" (URL).
		k := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:KeySize]
		for _, s := range []string{base64.StdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k)} {
			got, err := ParseKey(s)
			if err != nil {
				t.Fatalf("%s: got error %v, want nil", s, err)
			}
			if !bytes.Equal(got, k) {
				t.Errorf("%s: got %x, want %x", s, got, k)
			}
		}
	})
}

func TestParseKeyErrors(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantText string // what the error must explain
	}{
		{"empty", "", "empty"},
		{"blank", " \n\t", "empty"},
		{"16 bytes", base64.StdEncoding.EncodeToString([]byte("sixteen-byte-key")), "16 bytes"},
		{"31 bytes", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), 31)), "31 bytes"},
		{"33 bytes", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), 33)), "33 bytes"},
		{"64 bytes", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("q"), 64)), "64 bytes"},
		{"hex instead of base64", hex.EncodeToString(testMaster()), "hex"},
		{"hex of 24 bytes", hex.EncodeToString(bytes.Repeat([]byte{0xab}, 24)), "36 bytes"},
		{"bad characters", "my*secret*master*key*is*here!!", "base64"},
		{"mixed alphabets", "abc+def_" + strings.Repeat("A", 36), "base64"},
		{"bad padding", base64.StdEncoding.EncodeToString(testMaster())[:43] + "==", "base64"},
		{"inner space", "c2VjcmV0 c2VjcmV0", "base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.input)
			if err == nil {
				t.Fatalf("got key %x and nil error, want error", got)
			}
			if got != nil {
				t.Errorf("got key %x with error, want nil", got)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantText) {
				t.Errorf("got error %q, want it to mention %q", msg, tt.wantText)
			}
			if in := strings.TrimSpace(tt.input); in != "" {
				if strings.Contains(msg, in) {
					t.Errorf("got error %q, want it without the input", msg)
				}
				// No sizable piece of the input either.
				for i := 0; i+6 <= len(in); i++ {
					if strings.Contains(msg, in[i:i+6]) {
						t.Errorf("got error %q, want it without input fragment %q", msg, in[i:i+6])
						break
					}
				}
			}
		})
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")

	key1, created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("first call: got error %v, want nil", err)
	}
	if !created {
		t.Errorf("first call: got created=false, want true")
	}
	if got := len(key1); got != KeySize {
		t.Errorf("first call: got %d-byte key, want %d", got, KeySize)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: got error %v, want nil", err)
	}
	if runtime.GOOS != "windows" {
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("mode: got %v, want %v", got, os.FileMode(0o600))
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read: got error %v, want nil", err)
	}
	if got, want := string(data), base64.StdEncoding.EncodeToString(key1)+"\n"; got != want {
		t.Errorf("file content: got %q, want %q", got, want)
	}

	key2, created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("second call: got error %v, want nil", err)
	}
	if created {
		t.Errorf("second call: got created=true, want false")
	}
	if !bytes.Equal(key2, key1) {
		t.Errorf("second call: got a different key, want the one created first")
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("readdir: got error %v, want nil", err)
	}
	if got := len(entries); got != 1 {
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory entries: got %d %v, want 1 (no temp files left)", got, names)
	}
}

func TestLoadOrCreateKeyFileCases(t *testing.T) {
	key := testMaster()
	tests := []struct {
		name        string
		content     *string // nil: no file
		subdir      string  // joined before the file name; may not exist
		wantKey     []byte  // nil: a fresh key is expected
		wantCreated bool
		wantErr     bool
	}{
		{"existing std key", ptr(base64.StdEncoding.EncodeToString(key) + "\n"), "", key, false, false},
		{"existing url raw key no newline", ptr(base64.RawURLEncoding.EncodeToString(key)), "", key, false, false},
		{"missing directory is created", nil, "a/b", nil, true, false},
		{"empty file is an error", ptr(""), "", nil, false, true},
		{"short key is an error", ptr(base64.StdEncoding.EncodeToString(key[:16])), "", nil, false, true},
		{"garbage is an error", ptr("correct horse battery staple\n"), "", nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.subdir, "master.key")
			if tt.content != nil {
				if err := os.WriteFile(path, []byte(*tt.content), 0o600); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			got, created, err := LoadOrCreateKeyFile(path)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if got != nil || created {
					t.Errorf("with error: got key %x created=%v, want nil false", got, created)
				}
				if in := strings.TrimSpace(*tt.content); in != "" && strings.Contains(err.Error(), in) {
					t.Errorf("got error %q, want it without the file content", err)
				}
				// A bad file must be left alone, not replaced.
				if after, _ := os.ReadFile(path); string(after) != *tt.content {
					t.Errorf("file after error: got %q, want unchanged %q", after, *tt.content)
				}
				return
			}
			if created != tt.wantCreated {
				t.Errorf("got created=%v, want %v", created, tt.wantCreated)
			}
			if tt.wantKey != nil && !bytes.Equal(got, tt.wantKey) {
				t.Errorf("got key %x, want %x", got, tt.wantKey)
			}
			if got := len(got); got != KeySize {
				t.Errorf("got %d-byte key, want %d", got, KeySize)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestLoadOrCreateKeyFileRefusesOpenMode: like ssh with a private key, a key
// file that group or others may read or write is refused, on every load and
// not only when created, with the path and the command that fixes it.
func TestLoadOrCreateKeyFileRefusesOpenMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits on Windows")
	}
	text := base64.StdEncoding.EncodeToString(testMaster()) + "\n"
	for _, tt := range []struct {
		mode    os.FileMode
		refused bool
	}{
		{0o600, false},
		{0o400, false},
		{0o700, false},
		{0o640, true},
		{0o604, true},
		{0o620, true},
		{0o602, true},
		{0o644, true},
		{0o660, true},
		{0o666, true},
		{0o610, true},
		{0o601, true},
	} {
		t.Run(fmt.Sprintf("%04o", tt.mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatalf("setup: %v", err)
			}
			// Chmod, not WriteFile's mode, which the umask would narrow.
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatalf("setup: %v", err)
			}
			key, created, err := LoadOrCreateKeyFile(path)
			if !tt.refused {
				if err != nil || !bytes.Equal(key, testMaster()) || created {
					t.Fatalf("got %x, %v, %v, want the file's key, false, nil", key, created, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got the key, want a refusal")
			}
			if key != nil || created {
				t.Errorf("with error: got key %x created=%v, want nil false", key, created)
			}
			for _, want := range []string{path, "chmod 600 " + path, fmt.Sprintf("%04o", tt.mode)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got error %q, want it to contain %q", err, want)
				}
			}
			assertNoSecret(t, "error", err.Error(), testMaster())
			// Refused, not repaired or replaced behind the operator's back.
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.mode {
				t.Errorf("mode after refusal: got %04o, want %04o unchanged", fi.Mode().Perm(), tt.mode)
			}
			if after, _ := os.ReadFile(path); string(after) != text {
				t.Errorf("file after refusal: got %q, want it unchanged", after)
			}
		})
	}
}

// TestLoadOrCreateKeyFileConcurrent checks that callers racing to create the
// file all end up with the same key: a second creator must not replace the
// first one's key.
func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 16
	keys := make([][]byte, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			keys[i], created[i], errs[i] = LoadOrCreateKeyFile(path)
		})
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: got error %v, want nil", i, errs[i])
		}
		if created[i] {
			creators++
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Errorf("caller %d: got a different key from caller 0, want the same", i)
		}
	}
	if creators != 1 {
		t.Errorf("got %d callers reporting created=true, want 1", creators)
	}
	onDisk, _, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("reload: got error %v, want nil", err)
	}
	if !bytes.Equal(onDisk, keys[0]) {
		t.Errorf("reload: got a different key from the one returned, want the same")
	}
}

// TestErrorsNeverContainSecrets collects every error this package can be
// made to return for a known key and plaintext and checks none leaks them.
func TestErrorsNeverContainSecrets(t *testing.T) {
	master := NewKey()
	v := newVault(t, master)
	plaintext := []byte("4111111111111111|12/30|secret-cvc-123")
	sealed, err := v.Seal(plaintext, []byte("row-1"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	other := newVault(t, NewKey())
	badFile := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(badFile, []byte(base64.StdEncoding.EncodeToString(master[:20])), 0o600); err != nil {
		t.Fatalf("setup: %v", err)
	}

	tests := []struct {
		name string
		run  func() error
	}{
		{"New with long key", func() error { _, err := New(append(bytes.Clone(master), 1)); return err }},
		{"New with short key", func() error { _, err := New(master[:31]); return err }},
		{"ParseKey hex", func() error { _, err := ParseKey(hex.EncodeToString(master)); return err }},
		{"ParseKey short", func() error { _, err := ParseKey(base64.StdEncoding.EncodeToString(master[:31])); return err }},
		{"ParseKey corrupted", func() error {
			_, err := ParseKey(base64.StdEncoding.EncodeToString(master)[:40] + "!!!=")
			return err
		}},
		{"Open wrong key", func() error { _, err := other.Open(sealed, []byte("row-1")); return err }},
		{"Open wrong aad", func() error { _, err := v.Open(sealed, []byte("row-2")); return err }},
		{"Open truncated", func() error { _, err := v.Open(sealed[:20], []byte("row-1")); return err }},
		{"LoadOrCreateKeyFile bad file", func() error { _, _, err := LoadOrCreateKeyFile(badFile); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatalf("got nil error, want one")
			}
			msg := err.Error()
			assertNoSecret(t, "error", msg, master)
			assertNoSecret(t, "error", msg, master[:20])
			assertNoSecret(t, "error", msg, master[:31])
			assertNoSecret(t, "error", msg, plaintext)
			assertNoSecret(t, "error", msg, v.TokenKey())
		})
	}
}

// FuzzOpen checks that Open on arbitrary bytes never panics and never
// returns plaintext together with an error.
func FuzzOpen(f *testing.F) {
	v, err := New(testMaster())
	if err != nil {
		f.Fatal(err)
	}
	valid, err := v.Seal([]byte("4111111111111111"), []byte("row-1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, []byte("row-1"))
	f.Add(valid[:NonceSize], []byte(nil))
	f.Add([]byte{}, []byte{})
	f.Add(bytes.Repeat([]byte{0}, NonceSize+16), []byte("x"))
	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		pt, err := v.Open(sealed, aad)
		if err != nil {
			if pt != nil {
				t.Errorf("got plaintext %q with error %v, want nil", pt, err)
			}
			if !errors.Is(err, ErrOpen) {
				t.Errorf("got error %v, want ErrOpen", err)
			}
			return
		}
		// Success is only possible for a genuine seal; it must round-trip.
		again, err := v.Seal(pt, aad)
		if err != nil {
			t.Fatalf("Seal: got error %v, want nil", err)
		}
		if back, err := v.Open(again, aad); err != nil || !bytes.Equal(back, pt) {
			t.Errorf("re-seal round trip: got %q, %v, want %q, nil", back, err, pt)
		}
	})
}

func TestOldKeysOpen(t *testing.T) {
	k1, k2 := NewKey(), NewKey()
	v1, err := New(k1)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := v1.Seal([]byte("pan"), []byte("row"))
	v2, err := New(k2, k1)
	if err != nil {
		t.Fatal(err)
	}
	pt, id, err := v2.OpenKeyID(sealed, []byte("row"))
	if err != nil || string(pt) != "pan" || id != v1.KeyID() {
		t.Fatalf("got %q %q %v, want pan opened by the old key %s", pt, id, err, v1.KeyID())
	}
	resealed, _ := v2.Seal(pt, []byte("row"))
	if _, id, _ := v2.OpenKeyID(resealed, []byte("row")); id != v2.KeyID() {
		t.Errorf("got key %s, want the current key %s", id, v2.KeyID())
	}
	if _, err := v1.Open(resealed, []byte("row")); err == nil {
		t.Error("old key alone opened data sealed under the new key")
	}
	if _, err := New(k2, []byte("short")); err == nil {
		t.Error("short old key: got nil error, want ErrKeySize")
	}
}
