package gateway

import (
	"context"
	"encoding/json"
	"time"

	"paygate"
)

const (
	idempotencyTTL = 24 * time.Hour
	// abandonAfter is when an unfinished record is taken over: its request
	// died (crash, internal error) and the retry must be able to proceed.
	abandonAfter = time.Minute
)

type storedError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

// idempotent runs fn once per Idempotency-Key: the first call's answer,
// success or error, is kept 24 h and returned to every retry with the same
// body; a retry with another body is idempotency_key_reused. Concurrent
// retries wait for the first to finish.
func idempotent[T any](s *core, ctx context.Context, key, op string, req any, fn func() (*T, error)) (*T, error) {
	if key == "" {
		return fn()
	}
	if len(key) > 255 || !printableASCII(key) {
		return nil, paygate.InvalidParam("Idempotency-Key", "Idempotency-Key must be 1-255 printable ASCII characters")
	}
	merchantID := paygate.MerchantID(ctx)
	hash := s.requestHash(struct {
		Op  string
		Req any
	}{op, req})
	start := s.cfg.Now()
	var rec *paygate.IdempotencyRecord
	for {
		var old *paygate.IdempotencyRecord
		var err error
		if rec, old, err = s.claimKey(ctx, merchantID, key, op, hash); err != nil {
			return nil, err
		}
		if rec != nil {
			break
		}
		if old.Done {
			if f, ok := ctx.Value(replayKey{}).(*bool); ok {
				*f = true
			}
			return decodeAnswer[T](old)
		}
		// The first request with this key is still running: wait for its
		// answer, a while.
		if s.cfg.Now().Sub(start) > s.cfg.ReplayWait {
			return nil, paygate.Errorf(paygate.EConflict, "a request with Idempotency-Key %s is still in progress; retry later", key)
		}
		if err := wait(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
	}

	p, ferr := fn()
	ctx = context.WithoutCancel(ctx) // keep the answer even if the client left
	done := *rec
	done.Version++
	done.UpdatedAt = s.now()
	switch code := paygate.ErrorCode(ferr); {
	case ferr == nil:
		done.Done = true
		done.Result, _ = json.Marshal(p)
	case code == paygate.EInternal || code == paygate.EConflict || code == paygate.EUnavailable:
		// Not an answer worth keeping: let the next retry run again at once.
		done.UpdatedAt = time.Time{}
	default:
		done.Done, done.IsError = true, true
		done.Result, _ = json.Marshal(storedError{Code: code, Message: paygate.ErrorMessage(ferr), Param: paygate.ErrorParam(ferr)})
	}
	if err := s.store.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{&done}}); err != nil {
		s.log.WarnContext(ctx, "saving idempotent answer failed", "op", op, "err", err)
	}
	return p, ferr
}

func decodeAnswer[T any](r *paygate.IdempotencyRecord) (*T, error) {
	if r.IsError {
		var e storedError
		if err := json.Unmarshal(r.Result, &e); err != nil {
			return nil, paygate.Internal("idempotency replay", err)
		}
		return nil, &paygate.Error{Code: e.Code, Message: e.Message, Param: e.Param}
	}
	v := new(T)
	if err := json.Unmarshal(r.Result, v); err != nil {
		return nil, paygate.Internal("idempotency replay", err)
	}
	return v, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

type replayKey struct{}

type takeoverKey struct{}

// withTakeoverFlag returns a context in which idempotent sets *flag when it
// runs the operation again for a key whose first request never saved its
// answer (it crashed, or failed inside): the operation may already have
// happened, and its answer is then rebuilt from the object.
func withTakeoverFlag(ctx context.Context) (context.Context, *bool) {
	flag := new(bool)
	return context.WithValue(ctx, takeoverKey{}, flag), flag
}

// WithReplayFlag returns a context whose Idempotency-Key replays set *flag,
// so the caller can say an answer is a replay (Idempotent-Replayed).
func WithReplayFlag(ctx context.Context) (context.Context, *bool) {
	flag := new(bool)
	return context.WithValue(ctx, replayKey{}, flag), flag
}

// claimKey writes the key's record for this request and returns it; when
// a live record of the same request holds the key (answered, or still
// running) it returns that one as old instead. An expired record, or one
// whose request died (no write for abandonAfter), is taken over.
//
// Errors: idempotency_key_reused.
func (s *core) claimKey(ctx context.Context, merchantID, key, op, hash string) (rec, old *paygate.IdempotencyRecord, err error) {
	type claim struct{ rec, old *paygate.IdempotencyRecord }
	now := s.now()
	rec = &paygate.IdempotencyRecord{MerchantID: merchantID, Key: key, Op: op, RequestHash: hash,
		Version: 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(idempotencyTTL)}
	c, err := retryStale(ctx, "Idempotency-Key "+key, func() (claim, error) {
		err := stale(s.store.Apply(ctx, paygate.Change{Idempotency: []*paygate.IdempotencyRecord{rec}}))
		if err != errStale {
			return claim{rec: rec}, err
		}
		old, err := s.store.Idempotency(ctx, merchantID, key)
		if isCode(err, paygate.ENotFound) {
			rec.Version = 1 // deleted meanwhile
			return claim{}, errStale
		}
		if err != nil {
			return claim{}, err
		}
		now := s.now()
		expired := !now.Before(old.ExpiresAt)
		if !expired && (old.RequestHash != hash || old.Op != op) {
			return claim{}, paygate.Errorf(paygate.EIdempotencyReused,
				"Idempotency-Key %s was already used with a different request", key)
		}
		if !expired && (old.Done || now.Sub(old.UpdatedAt) < abandonAfter) {
			return claim{old: old}, nil
		}
		// A zero UpdatedAt is a request that failed (not a kept answer),
		// not one that died after its effect: no takeover then.
		if f, ok := ctx.Value(takeoverKey{}).(*bool); ok && !expired && !old.UpdatedAt.IsZero() {
			*f = true
		}
		rec = &paygate.IdempotencyRecord{MerchantID: merchantID, Key: key, Op: op, RequestHash: hash,
			Version: old.Version + 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(idempotencyTTL)}
		return claim{}, errStale
	})
	if err != nil {
		return nil, nil, err
	}
	if c.old != nil {
		return nil, c.old, nil
	}
	return c.rec, nil, nil
}

// A merchant's own id used again (an orderNo, a refundNumber, a trackingNo
// on its order) is one rule: the same request replays what the first one
// made; another request is 409 with the id's code. sameRequest is that
// rule; the callers replay.
func sameRequest(storedHash, hash, code, format string, args ...any) error {
	if storedHash == hash {
		return nil
	}
	return paygate.Errorf(code, format+" was already used with a different request", args...)
}
