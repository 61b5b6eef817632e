package checkout

import (
	"encoding/json"

	"paygate"
)

// productLines reads the payment's productInfo for the order summary.
func productLines(p *paygate.Payment) []line {
	var items []struct {
		Price       string `json:"price"`
		ProductName string `json:"productName"`
		Quantity    string `json:"quantity"`
	}
	if len(p.ProductInfo) == 0 || json.Unmarshal(p.ProductInfo, &items) != nil {
		return nil
	}
	out := make([]line, 0, len(items))
	for _, it := range items {
		price := it.Price
		if m, err := paygate.ParseAmount(it.Price, p.Amount.Currency); err == nil {
			price = m.String()
		}
		out = append(out, line{Name: it.ProductName, Qty: it.Quantity, Price: price})
	}
	return out
}
