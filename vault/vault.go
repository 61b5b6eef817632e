// Package vault protects stored card data for the payment gateway.
//
// One operator master key (32 bytes) is the only secret to manage. Every
// purpose gets its own key derived from it, so a key is never used for two
// things: AES-256-GCM encryption of stored card data, a keyed fingerprint of
// card numbers (to match the same card without storing it), keyed hashes of
// request bodies (to compare idempotent requests without keeping a hash that
// could be brute-forced back to a card number), and the secret that signs
// access tokens.
//
// Nothing in this package puts key material or plaintext into an error
// message or into the printed form of a Vault.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// KeySize is the length in bytes of the master key and of every derived key;
// 32 bytes makes the data key an AES-256 key.
const KeySize = 32

// NonceSize is the length of the random GCM nonce that starts every sealed
// value; 12 bytes is the GCM standard size.
const NonceSize = 12

// Derivation labels. They are part of the stored data format: changing one
// makes existing ciphertexts, fingerprints or tokens unusable, so a new
// scheme gets a new version suffix instead.
const (
	labelData        = "paygate/data/v1"
	labelFingerprint = "paygate/fingerprint/v1"
	labelRequestHash = "paygate/request-hash/v1"
	labelToken       = "paygate/token/v1"
	labelKeyID       = "paygate/key-id/v1"
)

// maxPlaintext bounds Seal's input below the GCM limit (about 64 GiB), where
// crypto/cipher would panic; card data is tiny, so this is never reached in
// normal use and only turns a programming error into an error value.
const maxPlaintext = 1 << 32

// ErrOpen is returned by Open for every failure (wrong key, tampered or
// truncated data, wrong aad). The causes are deliberately not distinguished,
// so the error reveals nothing about the data; test with errors.Is.
var ErrOpen = errors.New("vault: cannot decrypt: wrong key, wrong aad, or corrupted data")

// ErrKeySize is returned when a master key is not exactly KeySize bytes.
var ErrKeySize = errors.New("vault: master key must be 32 bytes")

// Vault holds the keys derived from the master key by
// HMAC-SHA256(master, label), one per purpose, so one operator key serves
// every purpose without reusing a key. The master key itself is not kept.
// A Vault is immutable and safe for concurrent use.
type Vault struct {
	aead           cipher.AEAD // AES-256-GCM under the "paygate/data/v1" key
	old            []oldKey    // earlier master keys, kept for reading only
	fingerprintKey []byte
	requestHashKey []byte
	tokenKey       []byte
	keyID          string
}

// oldKey is a retired master key's data cipher: it opens, never seals.
type oldKey struct {
	id   string
	aead cipher.AEAD
}

// New builds a Vault from the 32-byte master key (see ParseKey,
// LoadOrCreateKeyFile) and any earlier master keys, which are used only to
// open data sealed before a key rotation (see `paygate vault rekey`). It
// copies what it needs, so the caller may wipe the keys afterwards. The
// current key's identifier is available from KeyID.
func New(master []byte, old ...[]byte) (*Vault, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("%w, got %d", ErrKeySize, len(master))
	}
	var olds []oldKey
	for i, o := range old {
		if len(o) != KeySize {
			return nil, fmt.Errorf("%w (old key %d), got %d", ErrKeySize, i+1, len(o))
		}
		a, err := dataCipher(o)
		if err != nil {
			return nil, err
		}
		olds = append(olds, oldKey{id: hex.EncodeToString(derive(o, labelKeyID)[:8]), aead: a})
	}
	aead, err := dataCipher(master)
	if err != nil {
		return nil, err
	}
	return &Vault{
		aead:           aead,
		old:            olds,
		fingerprintKey: derive(master, labelFingerprint),
		requestHashKey: derive(master, labelRequestHash),
		tokenKey:       derive(master, labelToken),
		keyID:          hex.EncodeToString(derive(master, labelKeyID)[:8]),
	}, nil
}

// dataCipher returns AES-256-GCM under the data key derived from master.
func dataCipher(master []byte) (cipher.AEAD, error) {
	dataKey := derive(master, labelData)
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		// Unreachable with a 32-byte key; no key material in the message.
		return nil, errors.New("vault: cannot create AES cipher")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, errors.New("vault: cannot create AES-GCM")
	}
	return aead, nil
}

// derive returns HMAC-SHA256(master, label), a KeySize-byte key that is
// independent of the keys for every other label.
func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// KeyID is a stable, non-secret identifier of the key: the first 8 bytes of
// HMAC-SHA256(master, "paygate/key-id/v1"), hex-encoded (16 characters).
// It is recorded next to each ciphertext so keys can be rotated later; it
// cannot be used to recover the key.
func (v *Vault) KeyID() string { return v.keyID }

// Knows reports whether keyID is the id of the current key or of one of the
// earlier keys given to New: data sealed under it can be opened.
func (v *Vault) Knows(keyID string) bool {
	if keyID == v.keyID {
		return true
	}
	for _, o := range v.old {
		if o.id == keyID {
			return true
		}
	}
	return false
}

// Seal encrypts plaintext with AES-256-GCM under the data key with a fresh
// random 12-byte nonce, so sealing the same plaintext twice gives different
// outputs. aad is authenticated but not stored: binding the ciphertext to
// its row (for example the row id) means it cannot be moved to another row.
// The output is nonce || ciphertext || GCM tag; Open needs the same aad.
func (v *Vault) Seal(plaintext, aad []byte) ([]byte, error) {
	if int64(len(plaintext)) > maxPlaintext {
		return nil, errors.New("vault: plaintext too large to seal")
	}
	out := make([]byte, NonceSize, NonceSize+len(plaintext)+v.aead.Overhead())
	// crypto/rand.Read never fails (it aborts the program instead).
	rand.Read(out)
	return v.aead.Seal(out, out, plaintext, aad), nil
}

// Open reverses Seal, returning the plaintext. Any failure (wrong key,
// tampered or truncated data, different aad) returns ErrOpen and nothing
// else, so the error carries no information about the data.
// Data sealed under an earlier master key given to New opens too.
func (v *Vault) Open(sealed, aad []byte) ([]byte, error) {
	pt, _, err := v.OpenKeyID(sealed, aad)
	return pt, err
}

// OpenKeyID is Open that also says which key opened the data: KeyID() for
// the current key, or an earlier key's id (data that rekey should move).
func (v *Vault) OpenKeyID(sealed, aad []byte) ([]byte, string, error) {
	if len(sealed) < NonceSize+v.aead.Overhead() {
		return nil, "", ErrOpen
	}
	nonce, ct := sealed[:NonceSize], sealed[NonceSize:]
	if pt, err := v.aead.Open(nil, nonce, ct, aad); err == nil {
		return pt, v.keyID, nil
	}
	for _, o := range v.old {
		if pt, err := o.aead.Open(nil, nonce, ct, aad); err == nil {
			return pt, o.id, nil
		}
	}
	return nil, "", ErrOpen
}

// Fingerprint returns hex HMAC-SHA256(fingerprint key, pan), 64 characters.
// Equal PANs give equal fingerprints under one master key, so a card can be
// matched without storing its number; without the key the fingerprint
// cannot be brute-forced back to the PAN. The PAN is hashed exactly as
// given, so callers must normalize it first (digits only) for matches to work.
func (v *Vault) Fingerprint(pan string) string {
	m := hmac.New(sha256.New, v.fingerprintKey)
	io.WriteString(m, pan)
	return hex.EncodeToString(m.Sum(nil))
}

// RequestHash returns hex HMAC-SHA256(request-hash key, data), 64
// characters, for comparing idempotent request bodies. It is keyed because
// a body may hold a card number, and a plain hash of it could be
// brute-forced. Compare results with hmac.Equal or == (neither is secret).
func (v *Vault) RequestHash(data []byte) string {
	m := hmac.New(sha256.New, v.requestHashKey)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// TokenKey returns the 32-byte derived key used to sign access tokens. It
// returns a fresh copy each call, so a caller cannot alter the Vault's key.
func (v *Vault) TokenKey() []byte {
	return append([]byte(nil), v.tokenKey...)
}

// String returns a redacted description with only the key id, so logging a
// Vault by accident never prints key material.
func (v Vault) String() string {
	return "vault.Vault{keyID:" + v.keyID + "}"
}

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %x, ...)
// prints the redacted String form; fmt would otherwise dump the unexported
// key fields. Value receivers cover both Vault and *Vault.
func (v Vault) Format(f fmt.State, _ rune) {
	io.WriteString(f, v.String())
}
