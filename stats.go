package paygate

import "time"

// Stats is what a merchant's payments and refunds created in a time range
// add up to, by UTC day and currency: what the dashboard's overview draws.
type Stats struct {
	Days     []DayStats     // one per day and currency that has payments, by day
	Refunds  []DayRefunds   // one per day and currency that has succeeded refunds, by day
	Failures []FailureStats // by currency, then failure code, the costliest first: MaxFailureStats a currency
}

// DayStats sums the payments created on one UTC day in one currency.
type DayStats struct {
	Day      time.Time // midnight UTC
	Currency string
	Count    int // payments created
	// Approved counts those the acquirer approved and that stand
	// (AUTHORIZED, SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED); Declined those
	// that FAILED. The approval rate is Approved / (Approved + Declined):
	// payments still open, cancelled or expired count in neither.
	Approved, Declined int
	VolumeMinor        int64 // the amounts of the approved ones
}

// DayRefunds sums the succeeded refunds created on one UTC day in one
// currency.
type DayRefunds struct {
	Day         time.Time
	Currency    string
	Count       int
	AmountMinor int64
}

// FailureStats sums the failed payments with one failure code in one
// currency.
type FailureStats struct {
	Code        string
	Currency    string
	Count       int
	AmountMinor int64
}

// ApprovedStatuses are the statuses DayStats.Approved counts.
var ApprovedStatuses = []Status{StatusAuthorized, StatusSucceeded, StatusPartiallyRefunded, StatusRefunded}

// MaxFailureStats is the most failure codes Stats lists for a currency.
const MaxFailureStats = 10
