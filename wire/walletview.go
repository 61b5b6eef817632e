package wire

import (
	"encoding/json"

	"paygate"
)

// WalletView is the wallet part of a wallet or QR payment: what the
// merchant sent (productType, storeId, ...) and what the wallet answered
// (the masked buyer account, the funding, the wallet's transaction id).
type WalletView struct {
	ProductType    string          `json:"productType"`
	StoreID        string          `json:"storeId,omitempty"`
	SubAppID       string          `json:"subAppId,omitempty"`
	LimitPayMethod string          `json:"limitPayMethod,omitempty"`
	Attach         string          `json:"attach,omitempty"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	BuyerAccount   string          `json:"buyerAccount,omitempty"`
	Funding        string          `json:"funding,omitempty"`
	TransactionID  string          `json:"transactionId,omitempty"`
}

// NewWalletView renders a payment's wallet part; nil for none.
func NewWalletView(w *paygate.Wallet) *WalletView {
	if w == nil {
		return nil
	}
	return &WalletView{ProductType: w.ProductType, StoreID: w.StoreID, SubAppID: w.SubAppID,
		LimitPayMethod: w.LimitPayMethod, Attach: w.Attach, Metadata: w.Metadata,
		BuyerAccount: w.BuyerAccount, Funding: w.Funding, TransactionID: w.TransactionID}
}
