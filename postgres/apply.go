package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
	"paygate/groupcommit"
)

// write is one statement of an Apply; cas marks an update that must match a row.
type write struct {
	op   string
	cas  bool
	sql  string
	args []any
}

// Apply writes c in one transaction, in the order the SQLite store does:
// payments, refunds, idempotency records, notifications, attempts, events.
//
// Concurrent calls commit in groups: a few committers each take the changes
// waiting, write them in one transaction (see runGroup) and commit once, so
// many requests share one WAL flush. A call returns once its change is
// durable, or has failed; a change is written even if its request's context
// ends meanwhile, since it often records what already happened outside (an
// acquirer's answer).
func (s *Store) Apply(ctx context.Context, c paygate.Change) error {
	ws, err := changeWrites(c)
	if err != nil || len(ws) == 0 {
		return err
	}
	err = s.commits.Do(ws)
	if errors.Is(err, groupcommit.ErrClosed) {
		return paygate.Internal("apply", err)
	}
	return err
}

const (
	committers = 4   // groups in flight at once
	maxGroup   = 128 // changes per group
)

// runGroup writes a group of changes in one transaction and commits it
// (groupcommit.Commit). Without isolation the statements of the whole group
// go in one round trip, and the first that fails rolls back everything
// (done false); with it, each change runs in a savepoint of its own (its
// statements in one round trip), so that a change that fails rolls back
// alone.
func (s *Store) runGroup(group [][]write, isolate bool) (results []error, done bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results = make([]error, len(group))
	errFailed := errors.New("a change failed")
	err := s.withConn(ctx, "apply", func(conn *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if !isolate {
				var all []write
				for _, ws := range group {
					all = append(all, ws...)
				}
				if execWrites(ctx, tx, all) != nil {
					return errFailed
				}
				return nil
			}
			return execIsolated(ctx, tx, group, results, errFailed)
		})
	})
	switch {
	case err == nil:
		return results, true
	case errors.Is(err, errFailed) && !isolate:
		return nil, false
	case errors.Is(err, errFailed): // every change failed: each has its own error
		return results, true
	}
	for i := range results {
		results[i] = err // not a change's own failure: the group's
	}
	return results, true
}

// execIsolated writes each change of group in a savepoint of its own,
// setting its result; it returns errNone, to roll back, when none succeeded.
func execIsolated(ctx context.Context, tx pgx.Tx, group [][]write, results []error, errNone error) error {
	ok := 0
	for i, ws := range group {
		if _, err := tx.Exec(ctx, "SAVEPOINT change"); err != nil {
			return err
		}
		if results[i] = execWrites(ctx, tx, ws); results[i] != nil {
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT change"); err != nil {
				return err
			}
		} else {
			ok++
		}
		if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT change"); err != nil {
			return err
		}
	}
	if ok == 0 {
		return errNone
	}
	return nil
}

// execWrites sends one change's statements in one round trip.
func execWrites(ctx context.Context, tx pgx.Tx, ws []write) error {
	b := &pgx.Batch{}
	for _, w := range ws {
		b.Queue(w.sql, w.args...)
	}
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for _, w := range ws {
		tag, err := br.Exec()
		if err != nil {
			return dbErr(ctx, w.op, err)
		}
		if w.cas && tag.RowsAffected() == 0 {
			return errStale
		}
	}
	return dbErr(ctx, "apply", br.Close())
}

// changeWrites turns a change into its statements.
func changeWrites(c paygate.Change) ([]write, error) {
	ws, err := appendPayments(nil, c)
	if err != nil {
		return nil, err
	}
	for _, k := range c.Idempotency {
		if k.Version == 1 {
			ws = append(ws, write{"apply idempotency", false, `INSERT INTO idempotency_keys (merchant_id, key, op, request_hash, version, done, is_error, result, created_at, updated_at, expires_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				[]any{k.MerchantID, k.Key, k.Op, k.RequestHash, k.Version, k.Done, k.IsError, k.Result, ms(k.CreatedAt), ms(k.UpdatedAt), ms(k.ExpiresAt)}})
		} else {
			ws = append(ws, write{"apply idempotency", true, `UPDATE idempotency_keys SET op = $1, request_hash = $2, version = $3, done = $4, is_error = $5, result = $6,
				created_at = $7, updated_at = $8, expires_at = $9 WHERE merchant_id = $10 AND key = $11 AND version = $12`,
				[]any{k.Op, k.RequestHash, k.Version, k.Done, k.IsError, k.Result, ms(k.CreatedAt), ms(k.UpdatedAt), ms(k.ExpiresAt), k.MerchantID, k.Key, k.Version - 1}})
		}
	}
	ws = appendNotifications(ws, c)
	if ws, err = appendVaultAndSessions(ws, c); err != nil {
		return nil, err
	}
	if ws, err = appendTrackers(ws, c); err != nil {
		return nil, err
	}
	if ws, err = appendDisputes(ws, c); err != nil {
		return nil, err
	}
	ws = appendJournals(ws, c)
	for _, e := range c.Events {
		ws = append(ws, write{"apply event", false, `INSERT INTO events (merchant_id, object_type, object_id, from_status, to_status, request_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			[]any{e.MerchantID, e.ObjectType, e.ObjectID, e.From, e.To, e.RequestID, ms(e.At)}})
	}
	return ws, nil
}
