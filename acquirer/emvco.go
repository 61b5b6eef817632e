package acquirer

import (
	"fmt"
	"strconv"
	"strings"
)

// EMVCo merchant-presented QR (EMV QRCPS-MPM): a string of ID-length-value
// fields ending with the CRC field 63. SGQR (PayNow), UnionPay QR, and the
// national QR standards GrabPay and ShopeePay accept all use it.

// tlv is one EMVCo field; a template's value is its sub-fields.
type tlv struct {
	id    string
	value string
}

// emvField encodes one field: two-digit id, two-digit length, value.
func emvField(id, value string) string {
	if len(id) != 2 || len(value) > 99 {
		panic(fmt.Sprintf("acquirer: bad EMVCo field %s of length %d", id, len(value)))
	}
	return id + fmt.Sprintf("%02d", len(value)) + value
}

// emvTemplate encodes fields into one string (a template's value).
func emvTemplate(fields ...tlv) string {
	var b strings.Builder
	for _, f := range fields {
		if f.value != "" {
			b.WriteString(emvField(f.id, f.value))
		}
	}
	return b.String()
}

// emvPayload finishes a payload: the fields, then the CRC field 63 whose
// value is the CRC-16/CCITT-FALSE of everything before it, "6304" included.
func emvPayload(fields ...tlv) string {
	s := emvTemplate(fields...) + "6304"
	return s + fmt.Sprintf("%04X", CRC16CCITTFalse([]byte(s)))
}

// CRC16CCITTFalse is CRC-16/CCITT-FALSE (polynomial 0x1021, initial value
// 0xFFFF, no reflection, no final XOR), the checksum of EMVCo QR payloads.
func CRC16CCITTFalse(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// ParseEMV splits an EMVCo payload into its top-level fields (id to value)
// and checks its CRC; for tests and for reading a code back.
func ParseEMV(payload string) (map[string]string, error) {
	fields, err := splitEMV(payload)
	if err != nil {
		return nil, err
	}
	crc, ok := fields["63"]
	if !ok || !strings.HasSuffix(payload, "6304"+crc) {
		return nil, fmt.Errorf("emvco: the CRC field 63 is not last")
	}
	if want := fmt.Sprintf("%04X", CRC16CCITTFalse([]byte(payload[:len(payload)-4]))); crc != want {
		return nil, fmt.Errorf("emvco: CRC %s, want %s", crc, want)
	}
	return fields, nil
}

// SplitEMV splits a template's value into its fields.
func SplitEMV(s string) (map[string]string, error) { return splitEMV(s) }

func splitEMV(s string) (map[string]string, error) {
	out := map[string]string{}
	for len(s) > 0 {
		if len(s) < 4 {
			return nil, fmt.Errorf("emvco: truncated field %q", s)
		}
		// The length is two digits: Atoi alone would take "-1" and panic.
		n, err := strconv.Atoi(s[2:4])
		if err != nil || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' || len(s) < 4+n {
			return nil, fmt.Errorf("emvco: bad length in %q", s)
		}
		out[s[:2]] = s[4 : 4+n]
		s = s[4+n:]
	}
	return out, nil
}

// numericCurrency is the ISO 4217 numeric code of the currencies the
// EMVCo-based methods take (field 53).
var numericCurrency = map[string]string{
	"CNY": "156", "HKD": "344", "IDR": "360", "MOP": "446", "MYR": "458", "PHP": "608",
	"SGD": "702", "THB": "764", "USD": "840", "VND": "704",
}

// emvCountry is the merchant's country (field 58) for a currency.
var emvCountry = map[string]string{
	"CNY": "CN", "HKD": "HK", "IDR": "ID", "MOP": "MO", "MYR": "MY", "PHP": "PH",
	"SGD": "SG", "THB": "TH", "USD": "US", "VND": "VN",
}

// emvText keeps what EMVCo's alphanumeric-special fields allow (printable
// ASCII) and cuts it to max characters.
func emvText(s string, max int, fallback string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e && b.Len() < max {
			b.WriteRune(r)
		}
	}
	if t := strings.TrimSpace(b.String()); t != "" {
		return t
	}
	return fallback
}
