package http

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"paygate"
)

// fixedSettlements stands in for the settlement service with one batch of
// every kind of line.
type fixedSettlements struct{ settlementService }

var fixedBatch = &paygate.Settlement{ID: "stl_20261126000000123", MerchantID: "m_1", Currency: "USD",
	Cutoff: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Status: paygate.SettlementSettled, Captures: 2, Refunds: 1, Disputes: 2,
	GrossMinor: 20_198, RefundedMinor: 1_000, DisputedMinor: 0, FeeMinor: 646, NetMinor: 18_552,
	CreatedAt: time.Date(2026, 11, 26, 0, 0, 1, 0, time.UTC)}

func (fixedSettlements) Items(_ context.Context, id string, f func(*paygate.Settlement, paygate.SettlementItem) error) error {
	if id != fixedBatch.ID {
		return paygate.Errorf(paygate.ENotFound, "not found")
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, it := range []paygate.SettlementItem{
		{JournalID: "J-capture-T1", Kind: "capture", TradeNo: "T1", Ref: "T1", At: at, GrossMinor: 10_099, FeeMinor: 323, NetMinor: 9_776},
		{JournalID: "J-capture-T2", Kind: "capture", TradeNo: "T2", Ref: "T2", At: at.Add(time.Minute), GrossMinor: 10_099, FeeMinor: 323, NetMinor: 9_776},
		{JournalID: "J-dispute-D1", Kind: "dispute", TradeNo: "T2", Ref: "D1", At: at.Add(2 * time.Minute), GrossMinor: -10_099, FeeMinor: 1_500, NetMinor: -11_599},
		{JournalID: "J-dispute-won-D1", Kind: "dispute_won", TradeNo: "T2", Ref: "D1", At: at.Add(3 * time.Minute), GrossMinor: 10_099, FeeMinor: -1_500, NetMinor: 11_599},
		{JournalID: "J-refund-R1", Kind: "refund", TradeNo: "T1", Ref: "R1", At: at.Add(4 * time.Minute), GrossMinor: -1_000, NetMinor: -1_000},
	} {
		if err := f(fixedBatch, it); err != nil {
			return err
		}
	}
	return nil
}

// TestSettlementItemsGolden: a batch's lines as CSV (and as JSON) are the
// golden files, byte for byte.
func TestSettlementItemsGolden(t *testing.T) {
	srv, _, _, token := testServer(t)
	srv.settlements = fixedSettlements{srv.settlements}
	for _, tc := range []struct{ accept, golden string }{
		{"text/csv", "settlement_items.csv"},
		{"application/json", "settlement_items.json"},
	} {
		req := httptest.NewRequest("GET", "/v1/settlements/"+fixedBatch.ID+"/items", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", tc.accept)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.accept) {
			t.Fatalf("%s: %d %s\n%s", tc.accept, rec.Code, rec.Header().Get("Content-Type"), body)
		}
		golden := filepath.Join("testdata", tc.golden)
		if *updateAPIDoc {
			if err := os.WriteFile(golden, body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil || string(body) != string(want) {
			t.Errorf("%s:\n%s\nwant (%s; go test ./http -run Golden -update)\n%s", tc.accept, body, golden, want)
		}
	}
}
