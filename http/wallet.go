package http

import (
	"encoding/json"

	"paygate"
)

// walletView is the wallet part of a wallet or QR payment: what the
// merchant sent (productType, storeId, ...) and what the wallet answered
// (the masked buyer account, the funding, the wallet's transaction id).
type walletView struct {
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

func newWalletView(w *paygate.Wallet) *walletView {
	if w == nil {
		return nil
	}
	return &walletView{ProductType: w.ProductType, StoreID: w.StoreID, SubAppID: w.SubAppID,
		LimitPayMethod: w.LimitPayMethod, Attach: w.Attach, Metadata: w.Metadata,
		BuyerAccount: w.BuyerAccount, Funding: w.Funding, TransactionID: w.TransactionID}
}
