package dashboard

import (
	"context"
	"net/http"

	"paygate"
	"paygate/gateway"
)

// moneyView is the money page's data: the balance, the latest batches and
// the latest disputes.
type moneyView struct {
	Balances    []moneyBalance
	Settlements []*paygate.Settlement
	Disputes    []*paygate.Dispute
}

type moneyBalance struct{ Pending, Available paygate.Money }

// moneyPage shows what the merchant is owed: its balance, its settlement
// batches and its disputes, newest first (docs/ledger.md).
func (h *Handler) moneyPage(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := paygate.WithMerchantID(r.Context(), v.Merchant)
	bs, err := h.settlements.Balances(ctx)
	if err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	mv := &moneyView{}
	for _, b := range bs {
		mv.Balances = append(mv.Balances, moneyBalance{paygate.Money{Minor: b.Pending, Currency: b.Currency},
			paygate.Money{Minor: b.Available, Currency: b.Currency}})
	}
	if mv.Settlements, _, err = h.settlements.List(ctx, "", "20"); err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	if mv.Disputes, _, err = h.disputes.List(ctx, "", "20"); err != nil {
		h.failed(w, r, v.Who, err)
		return
	}
	v.Nav, v.Title, v.Data = "money", v.T["moneyTitle"], mv
	h.render(w, r, http.StatusOK, "money", v)
}

// The settlement and dispute services as the money page reads them.
type (
	settlementService interface {
		Balances(ctx context.Context) ([]gateway.Balance, error)
		List(ctx context.Context, startingAfter, limit string) ([]*paygate.Settlement, string, error)
	}
	disputeService interface {
		List(ctx context.Context, startingAfter, limit string) ([]*paygate.Dispute, string, error)
	}
)
