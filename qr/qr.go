// Package qr draws QR codes as PNG images. It wraps github.com/skip2/go-qrcode
// (Reed-Solomon error correction, masking and the PNG writer), so that no
// other package depends on it.
package qr

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// PNG draws payload as a QR code with error correction level M (it still
// scans with 15% of the code damaged) and a quiet zone of 4 modules. Each
// module is modulePixels square: whole pixels keep the edges sharp, which
// decoders find easier than a code scaled to an arbitrary size.
func PNG(payload string, modulePixels int) ([]byte, error) {
	if payload == "" || modulePixels < 1 {
		return nil, fmt.Errorf("qr: empty payload or module size %d", modulePixels)
	}
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return q.PNG(-modulePixels)
}
