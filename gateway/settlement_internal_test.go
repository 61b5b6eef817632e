package gateway

import (
	"testing"
	"time"
)

// TestStartOfDay: a merchant's day starts at its local midnight, and on a
// day whose midnight a daylight-saving jump skips, when the jump ends.
func TestStartOfDay(t *testing.T) {
	santiago, err := time.LoadLocation("America/Santiago") // 2024-09-08: 00:00 jumps to 01:00
	if err != nil {
		t.Skip(err)
	}
	singapore, _ := time.LoadLocation("Asia/Singapore")
	for _, tc := range []struct {
		at   time.Time
		loc  *time.Location
		want time.Time
	}{
		{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), nil, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC), singapore, time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)},
		{time.Date(2024, 9, 8, 12, 0, 0, 0, time.UTC), santiago, time.Date(2024, 9, 8, 4, 0, 0, 0, time.UTC)}, // 01:00 -03
		{time.Date(2024, 9, 9, 12, 0, 0, 0, time.UTC), santiago, time.Date(2024, 9, 9, 3, 0, 0, 0, time.UTC)},
	} {
		if got := startOfDay(tc.at, tc.loc); !got.Equal(tc.want) {
			t.Errorf("startOfDay(%s, %v) = %s, want %s", tc.at, tc.loc, got.UTC(), tc.want)
		}
	}
}
