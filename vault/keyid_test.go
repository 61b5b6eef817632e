package vault

import "testing"

func TestKnows(t *testing.T) {
	k1, k2, k3 := NewKey(), NewKey(), NewKey()
	v1, v3 := newVault(t, k1), newVault(t, k3)
	v, err := New(k2, k1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   string
		want bool
	}{
		{"Current", v.KeyID(), true},
		{"Old", v1.KeyID(), true},
		{"Other", v3.KeyID(), false},
		{"Empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := v.Knows(tc.id); got != tc.want {
				t.Errorf("Knows(%q): got %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}
