package vault

import "testing"

func BenchmarkSealOpen(b *testing.B) {
	v, err := New(NewKey())
	if err != nil {
		b.Fatal(err)
	}
	plain := []byte(`{"pan":"4242424242424242","holderName":"Zhong Yang"}`)
	aad := []byte("stored-card/M1/123")
	b.ReportAllocs()
	for b.Loop() {
		sealed, err := v.Seal(plain, aad)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFingerprint(b *testing.B) {
	v, _ := New(NewKey())
	b.ReportAllocs()
	for b.Loop() {
		v.Fingerprint("4242424242424242")
	}
}
