package vault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// NewKey returns KeySize random bytes from crypto/rand, suitable as a
// master key. crypto/rand.Read never fails (it aborts the program instead),
// hence no error result.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

// keyEncodings are tried in order by ParseKey. Standard and URL alphabets
// differ only in "+/" versus "-_", and padded versus raw is decided by the
// length, so at most one meaning is possible for any input.
var keyEncodings = []*base64.Encoding{
	base64.StdEncoding,
	base64.RawStdEncoding,
	base64.URLEncoding,
	base64.RawURLEncoding,
}

// ParseKey decodes a 32-byte master key written in base64 (standard or URL
// alphabet, with or without padding), as given in PAYGATE_MASTER_KEY or a
// key file; surrounding white space such as a trailing newline is ignored.
// Errors say what is wrong (empty, not base64, wrong length) but never echo
// the value, since it may be a real key with a typo.
func ParseKey(s string) ([]byte, error) {
	k, err := parseKey(s)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return k, nil
}

// parseKey is ParseKey without the "vault: " prefix on errors, so callers
// in this package can add their own context.
func parseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("key is empty")
	}
	if len(s) == 2*KeySize && isHex(s) {
		// A common mistake (openssl rand -hex 32); it would otherwise decode
		// as base64 to a confusing 48 bytes.
		return nil, errors.New("key looks hex-encoded; want 32 bytes in base64 (e.g. openssl rand -base64 32)")
	}
	for _, enc := range keyEncodings {
		k, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("key decodes to %d bytes, want %d (e.g. openssl rand -base64 32)", len(k), KeySize)
		}
		return k, nil
	}
	// The base64 errors hold only an offset, but are dropped anyway: which
	// character is bad is a hint about the value.
	return nil, errors.New("key is not valid base64 (standard or URL alphabet)")
}

// isHex reports whether s consists only of hexadecimal digits.
func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// LoadOrCreateKeyFile returns the master key stored in the file at path
// (base64 text as accepted by ParseKey). When the file does not exist it
// creates it with a new random key, mode 0600, and reports created=true; the
// caller should then tell the operator to back the file up, since data
// sealed under the key is lost without it.
//
// Creation is atomic: the key is written to a temporary file in the same
// directory, fsynced, and then linked into place, which (unlike a rename)
// fails if another process created the file meanwhile; in that case the
// other process's key is loaded instead of replaced, so two processes
// starting at once cannot end up with different keys. On file systems
// without hard links it falls back to rename. A missing directory is
// created with mode 0700. An existing but empty or malformed file is an
// error, never overwritten. So is one whose mode lets group or others read,
// write or execute it (anything beyond 0600), checked on every load; the
// error names the file and the chmod that fixes it.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	key, err = readKeyFile(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	key = NewKey()
	won, err := createKeyFile(path, key)
	if err != nil {
		return nil, false, err
	}
	if !won {
		// Another process created the file first; use its key.
		key, err = readKeyFile(path)
		if err != nil {
			return nil, false, err
		}
		return key, false, nil
	}
	return key, true, nil
}

// readKeyFile reads and parses a key file. A missing file yields an error
// matching fs.ErrNotExist. A file that group or others may use is refused
// (see checkKeyFileMode).
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: read key file: %w", err)
	}
	defer f.Close()
	// The mode of the file opened, not of the name, so a file swapped in
	// between the check and the read is not read unchecked.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: read key file: %w", err)
	}
	if err := checkKeyFileMode(path, fi.Mode()); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("vault: read key file: %w", err)
	}
	k, err := parseKey(string(data))
	if err != nil {
		// parseKey never includes the file's content.
		return nil, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	return k, nil
}

// checkKeyFileMode refuses a key file that anyone but its owner may read,
// write or execute, as ssh does for a private key: such a key may already
// have been read by another user or replaced by one, so starting quietly
// would hide that. The file is left as it is; the operator decides. Windows
// has no such permission bits.
func checkKeyFileMode(path string, mode fs.FileMode) error {
	if runtime.GOOS == "windows" || mode.Perm()&0o077 == 0 {
		return nil
	}
	return fmt.Errorf("vault: key file %s has mode %04o, which lets group or others use it; refusing to use it: run chmod 600 %s (and consider the key exposed if others could read it)",
		path, mode.Perm(), path)
}

// createKeyFile writes key to path atomically. It returns won=false, and no
// error, when path already existed by the time the new file was put in place.
func createKeyFile(path string, key []byte) (won bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("vault: create key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("vault: create key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a successful link this removes only the spare name

	// CreateTemp already uses 0600; Chmod states it and survives odd umasks.
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return false, fmt.Errorf("vault: create key file: %w", err)
	}
	text := base64.StdEncoding.EncodeToString(key) + "\n"
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return false, fmt.Errorf("vault: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("vault: sync key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("vault: close key file: %w", err)
	}

	// Link fails with ErrExist if the name is taken, which makes "create if
	// absent" atomic across processes; rename would silently replace it.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		if _, statErr := os.Lstat(path); statErr == nil {
			return false, nil
		}
		// No hard links on this file system: fall back to rename.
		if err := os.Rename(tmpName, path); err != nil {
			return false, fmt.Errorf("vault: install key file: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return false, fmt.Errorf("vault: sync key directory: %w", err)
	}
	return true, nil
}

// syncDir fsyncs a directory so a new entry in it survives a crash. Windows
// cannot sync directories and does not need to.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
