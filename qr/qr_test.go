package qr

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func TestPNG(t *testing.T) {
	for _, payload := range []string{
		"weixin://wxpay/bizpayurl?pr=abcdefghjkmn",
		"00020101021226490009SG.PAYNOW010120210201403121W030100408202611255204599953037025406100.005802SG5916Sandbox merchant6007SANDBOX62280124T2026112512000096403896a63041752",
		strings.Repeat("x", 500),
	} {
		b, err := PNG(payload, 6)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if w := img.Bounds().Dx(); w%6 != 0 || w != img.Bounds().Dy() {
			t.Errorf("image %v: got a size that is not a whole number of 6-pixel modules", img.Bounds())
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil || res.GetText() != payload {
			t.Errorf("decode: got %v %v, want %q", res, err, payload)
		}
	}
	if _, err := PNG("", 6); err == nil {
		t.Errorf("PNG of an empty payload: got no error")
	}
}

func BenchmarkPNG(b *testing.B) {
	payload := "00020101021226490009SG.PAYNOW010120210201403121W030100408202611255204599953037025406100.005802SG5916Sandbox merchant6007SANDBOX62280124T2026112512000096403896a63041752"
	for b.Loop() {
		if _, err := PNG(payload, 6); err != nil {
			b.Fatal(err)
		}
	}
}
