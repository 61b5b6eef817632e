package paygate

// A payment's running amounts are kept in minor units of its currency
// (CapturedMinor, RefundedMinor, RefundingMinor); these methods are the only
// arithmetic on them, in Money, so a currency mismatch or an overflow is an
// error and never a wrong balance.

// Captured is what was captured of the payment.
func (p *Payment) Captured() Money { return Money{Minor: p.CapturedMinor, Currency: p.Amount.Currency} }

// Refunded is the sum of the payment's succeeded refunds.
func (p *Payment) Refunded() Money { return Money{Minor: p.RefundedMinor, Currency: p.Amount.Currency} }

// Refunding is the sum of the refunds sent and not yet answered.
func (p *Payment) Refunding() Money {
	return Money{Minor: p.RefundingMinor, Currency: p.Amount.Currency}
}

// RefundableAmount is what refunds may still take: the captured amount less
// what was refunded and what is being refunded.
func (p *Payment) RefundableAmount() (Money, error) {
	left, err := p.Captured().Sub(p.Refunded())
	if err != nil {
		return Money{}, err
	}
	return left.Sub(p.Refunding())
}

// ReserveRefund counts m as being refunded, until SettleRefund.
func (p *Payment) ReserveRefund(m Money) error {
	r, err := p.Refunding().Add(m)
	if err != nil {
		return err
	}
	p.RefundingMinor = r.Minor
	return nil
}

// SettleRefund ends the reservation of m: refunded when it succeeded,
// released when not.
func (p *Payment) SettleRefund(m Money, succeeded bool) error {
	r, err := p.Refunding().Sub(m)
	if err != nil {
		return err
	}
	if succeeded {
		done, err := p.Refunded().Add(m)
		if err != nil {
			return err
		}
		p.RefundedMinor = done.Minor
	}
	p.RefundingMinor = r.Minor
	return nil
}

// FullyRefunded reports whether refunds took back all that was captured.
func (p *Payment) FullyRefunded() bool { return p.RefundedMinor == p.CapturedMinor }
