package risk

import "fmt"

// The built-in signals' thresholds. Counts include the payment judged.
const (
	cardReview10m  = 4   // a card's payments in 10 minutes that review
	cardDecline1h  = 10  // ... in an hour that decline
	ipReview10m    = 10  // an address's payments in 10 minutes that review
	ipDecline1h    = 30  // ... in an hour that decline
	testDeclines   = 5   // an address's declines in 10 minutes: card testing
	testSmallCount = 5   // an address's payments in 10 minutes that, ...
	testSmallMean  = 200 // ... at 2.00 or less on average (minor units), look like card testing
	keyReview10m   = 5   // an email's or a device's payments in 10 minutes that review
	keyDecline1h   = 15  // ... in an hour that decline
	MerchantAttack = 50  // the merchant's declines in 10 minutes that, ...
	attackShare    = 5   // ... at a fifth of its payments or more, review every payment
)

// signals scores the built-in signals: the highest score of those that
// fire, and a reason for each.
func signals(in *Input) (int, []Reason) {
	score := 0
	var reasons []Reason
	fire := func(s int, code, format string, args ...any) {
		score = max(score, s)
		reasons = append(reasons, Reason{code, fmt.Sprintf(format, args...)})
	}
	if in.CardFingerprint != "" {
		switch c := in.Card; {
		case c.Hour.Count >= cardDecline1h:
			fire(90, "velocity_card", "the card was used %d times in the last hour", c.Hour.Count)
		case c.Min10.Count >= cardReview10m:
			fire(60, "velocity_card", "the card was used %d times in the last 10 minutes", c.Min10.Count)
		}
	}
	if in.IP != "" {
		a := in.Address
		switch {
		case a.Min10.Declines >= testDeclines:
			fire(95, "card_testing", "%d payments from this address were declined in the last 10 minutes", a.Min10.Declines)
		case a.Min10.Count >= testSmallCount && a.Min10.Amount <= int64(a.Min10.Count)*testSmallMean:
			fire(90, "card_testing", "%d small payments came from this address in the last 10 minutes", a.Min10.Count)
		}
		switch {
		case a.Hour.Count >= ipDecline1h:
			fire(85, "velocity_ip", "%d payments came from this address in the last hour", a.Hour.Count)
		case a.Min10.Count >= ipReview10m:
			fire(60, "velocity_ip", "%d payments came from this address in the last 10 minutes", a.Min10.Count)
		}
	}
	for _, k := range []struct {
		code, what string
		set        bool
		w          Windows
	}{{"velocity_email", "email", in.Email != "", in.EmailUse}, {"velocity_device", "device", in.DeviceID != "", in.Device}} {
		switch {
		case !k.set:
		case k.w.Hour.Count >= keyDecline1h:
			fire(85, k.code, "the %s was used %d times in the last hour", k.what, k.w.Hour.Count)
		case k.w.Min10.Count >= keyReview10m:
			fire(60, k.code, "the %s was used %d times in the last 10 minutes", k.what, k.w.Min10.Count)
		}
	}
	if in.DeviceID != "" && in.Device.Min10.Declines >= testDeclines {
		fire(95, "card_testing", "%d payments from this device were declined in the last 10 minutes", in.Device.Min10.Declines)
	}
	if in.MerchantDeclines >= MerchantAttack && in.MerchantDeclines*attackShare >= in.MerchantPayments {
		fire(50, "merchant_declines", "%d of the merchant's %d payments were declined in the last 10 minutes",
			in.MerchantDeclines, in.MerchantPayments)
	}
	geography(in, fire)
	return score, reasons
}

// geography compares the card's country with the address's and the
// billing country, where they are known: one that differs from both others
// reviews; a single difference is a reason without a score of its own.
func geography(in *Input, fire func(s int, code, format string, args ...any)) {
	card, ip, bill := in.CardCountry, in.IPCountry, in.BillingCountry
	if card == "" {
		return
	}
	ipDiffers := ip != "" && ip != card
	billDiffers := bill != "" && bill != card
	switch {
	case ipDiffers && billDiffers:
		fire(60, "country_mismatch", "the card is from %s, the address in %s and the billing address in %s", card, ip, bill)
	case ipDiffers:
		fire(20, "country_mismatch", "the card is from %s and the address in %s", card, ip)
	case billDiffers:
		fire(20, "country_mismatch", "the card is from %s and the billing address in %s", card, bill)
	}
}
