package gateway

import (
	"context"
	"sync"
	"time"

	"paygate"
	"paygate/acquirer"
)

// stateTTL is how long a node trusts what it read of a merchant's disabled
// flag, limits and prices: a disabled merchant's tokens stop working and a
// new price applies on every node within it, and a busy merchant costs one
// store read per node per stateTTL.
const stateTTL = time.Second

// stateCache keeps, per merchant, whether it is disabled as last read from
// the store. Only merchants with a token this node signed get here, so it
// holds at most one entry per merchant.
type stateCache struct {
	mu sync.Mutex
	m  map[string]*stateEntry
}

type stateEntry struct {
	ready    chan struct{} // closed once the read below is done
	read     time.Time     // when the read started
	disabled bool
	rate     float64 // the merchant's own rate limit; 0: the node's
	burst    int
	prices   []paygate.Price // the merchant's and the default plan's
	live     bool            // the operator made it live: no sandbox for unrouted payments
	err      error
}

// merchantDisabled reports whether the merchant is disabled, reading the
// store at most once per stateTTL per merchant; callers arriving while a
// read runs wait for it instead of reading too.
func (s *core) merchantDisabled(ctx context.Context, id string) (bool, error) {
	e, err := s.merchantState(ctx, id)
	if err != nil {
		return false, err
	}
	return e.disabled, nil
}

// Limits returns the merchant's own request rate limit and burst (0, 0:
// the node's), as last read from the store within stateTTL.
func (s *Merchants) Limits(ctx context.Context, id string) (float64, int, error) {
	e, err := s.merchantState(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	return e.rate, e.burst, nil
}

// merchantState is what the node knows of a merchant's state, read from the
// store at most once per stateTTL.
func (s *core) merchantState(ctx context.Context, id string) (*stateEntry, error) {
	c := &s.states
	now := s.cfg.Now()
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*stateEntry{}
	}
	e := c.m[id]
	if e == nil || now.Sub(e.read) >= stateTTL || now.Before(e.read) {
		e = &stateEntry{ready: make(chan struct{}), read: now}
		c.m[id] = e
		c.mu.Unlock()
		m, err := s.store.Merchant(context.WithoutCancel(ctx), id)
		if err == nil {
			e.disabled = m.Disabled()
			e.rate, e.burst, err = s.store.MerchantLimits(context.WithoutCancel(ctx), id)
		}
		if err == nil {
			e.prices, err = s.store.Prices(context.WithoutCancel(ctx), id)
		}
		if err == nil {
			e.live, err = s.store.MerchantLive(context.WithoutCancel(ctx), id)
		}

		switch {
		case err == nil:
		case isCode(err, paygate.ENotFound):
			e.disabled = true // a token for a merchant this database lacks
		default:
			e.err = err
			c.forget(id, e) // the next call reads again
		}
		close(e.ready)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-e.ready:
		return e, e.err
	case <-ctx.Done():
		return nil, paygate.Errorf(paygate.EUnavailable, "request ended while checking the merchant")
	}
}

// forget drops e if it is still id's entry.
func (c *stateCache) forget(id string, e *stateEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[id] == e {
		delete(c.m, id)
	}
}

// MerchantInfo is what an operator sees of a merchant: never a secret or
// its hash.
type MerchantInfo struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	AppID      string     `json:"appId"`
	CreatedAt  time.Time  `json:"created"`
	DisabledAt *time.Time `json:"disabled"`
	RateLimit  float64    `json:"rateLimit,omitempty"` // requests a second of its own; absent: the node's
	RateBurst  int        `json:"rateBurst,omitempty"`
	// SettlementTimeZone is where its settlement day ends; absent: UTC.
	SettlementTimeZone string `json:"settlementTimeZone,omitempty"`
	// Live: the operator made it live (merchant set-live); its card
	// payments no routing takes are refused, not sent to the sandbox.
	Live bool `json:"live"`
	// PrevSecretUntil and PrevNotifyUntil are when the secrets the last
	// rotations replaced stop working; nil when none is in its grace.
	PrevSecretUntil *time.Time `json:"previousSecretValidUntil,omitempty"`
	PrevNotifyUntil *time.Time `json:"previousNotifySecretValidUntil,omitempty"`
}

func (s *core) merchantInfo(m *paygate.Merchant) MerchantInfo {
	mi := MerchantInfo{ID: m.ID, Name: m.Name, AppID: m.AppID, CreatedAt: m.CreatedAt, DisabledAt: m.DisabledAt}
	now := s.now()
	if m.PrevSecretGood(now) {
		mi.PrevSecretUntil = m.PrevSecretUntil
	}
	if m.PrevNotifySecretGood(now) {
		mi.PrevNotifyUntil = m.PrevNotifyUntil
	}
	return mi
}

// TestCards lists the acquirer's test cards; none when it moves real money.
func (s *Merchants) TestCards() []acquirer.TestCard { return s.testCards }

// ListMerchants lists up to limit merchants in id order after the id after.
func (s *Merchants) ListMerchants(ctx context.Context, after string, limit int) ([]MerchantInfo, error) {
	ms, err := s.store.ListMerchants(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]MerchantInfo, 0, len(ms))
	for _, m := range ms {
		mi := s.merchantInfo(m)
		if mi.Live, err = s.store.MerchantLive(ctx, m.ID); err != nil {
			return nil, err
		}
		out = append(out, mi)
	}
	return out, nil
}

// Merchant returns what an operator sees of one merchant.
//
// Errors: not_found.
func (s *Merchants) Merchant(ctx context.Context, id string) (MerchantInfo, error) {
	m, err := s.store.Merchant(ctx, id)
	if err != nil {
		return MerchantInfo{}, err
	}
	info := s.merchantInfo(m)
	if info.RateLimit, info.RateBurst, err = s.store.MerchantLimits(ctx, id); err != nil {
		return MerchantInfo{}, err
	}
	if info.SettlementTimeZone, err = s.store.SettlementTimeZone(ctx, id); err != nil {
		return MerchantInfo{}, err
	}
	if info.Live, err = s.store.MerchantLive(ctx, id); err != nil {
		return MerchantInfo{}, err
	}
	return info, nil
}

// SetLive makes a merchant live (its card payments move real money: one
// that no routing rule or default takes is refused, 422 no_route) or a
// sandbox merchant again (such payments go to the built-in sandbox). Every
// node applies it within a second (stateTTL).
//
// Errors: not_found.
func (s *Merchants) SetLive(ctx context.Context, id string, live bool) (MerchantInfo, error) {
	if err := s.store.SetMerchantLive(ctx, id, live, s.now()); err != nil {
		return MerchantInfo{}, err
	}
	return s.Merchant(ctx, id)
}

// SetDisabled disables the merchant (or enables it again): a disabled
// merchant gets no access token, and the tokens it holds stop working on
// every node within a second (stateTTL). Disabling one already disabled
// keeps the first time.
//
// Errors: not_found.
func (s *Merchants) SetDisabled(ctx context.Context, id string, disabled bool) (MerchantInfo, error) {
	m, err := s.store.Merchant(ctx, id)
	if err != nil {
		return MerchantInfo{}, err
	}
	if disabled != m.Disabled() {
		var at *time.Time
		if disabled {
			now := s.now()
			at = &now
		}
		if err := s.store.SetMerchantDisabled(ctx, id, at); err != nil {
			return MerchantInfo{}, err
		}
		m.DisabledAt = at
	}
	s.states.mu.Lock()
	delete(s.states.m, id) // this node knows at once
	s.states.mu.Unlock()
	return s.merchantInfo(m), nil
}
