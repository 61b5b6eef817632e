package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"paygate"
)

// CreateConnector adds a connector; EConflict if its name is taken.
func (s *Store) CreateConnector(ctx context.Context, c *paygate.Connector) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO connectors (name, type, base_url, timeout_ms, latency_ms, secret_sealed, key_id,
		disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Name, c.Type, c.BaseURL, c.Timeout.Milliseconds(),
		c.Latency.Milliseconds(), c.SecretSealed, c.KeyID, c.Disabled, ms(c.CreatedAt), ms(c.UpdatedAt))
	return dbErr("create connector", err)
}

// Connectors lists the registered connectors by name.
func (s *Store) Connectors(ctx context.Context) ([]*paygate.Connector, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, type, base_url, timeout_ms, latency_ms, secret_sealed, key_id, disabled,
		created_at, updated_at FROM connectors ORDER BY name`)
	if err != nil {
		return nil, dbErr("connectors", err)
	}
	defer rows.Close()
	var out []*paygate.Connector
	for rows.Next() {
		var c paygate.Connector
		var timeout, latency, created, updated int64
		if err := rows.Scan(&c.Name, &c.Type, &c.BaseURL, &timeout, &latency, &c.SecretSealed, &c.KeyID, &c.Disabled,
			&created, &updated); err != nil {
			return nil, dbErr("connectors", err)
		}
		c.Timeout, c.Latency = time.Duration(timeout)*time.Millisecond, time.Duration(latency)*time.Millisecond
		c.CreatedAt, c.UpdatedAt = fromMs(created), fromMs(updated)
		out = append(out, &c)
	}
	return out, dbErr("connectors", rows.Err())
}

// SetConnectorDisabled disables or enables a connector; ENotFound.
func (s *Store) SetConnectorDisabled(ctx context.Context, name string, disabled bool, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE connectors SET disabled = ?, updated_at = ? WHERE name = ?`, disabled, ms(at), name)
	if err := affected("set connector disabled", res, err); err == errStale {
		return paygate.Errorf(paygate.ENotFound, "no connector %q", name)
	} else if err != nil {
		return err
	}
	return nil
}

// RoutingDocument returns the routing document, nil if none was set.
func (s *Store) RoutingDocument(ctx context.Context) ([]byte, error) {
	var doc string
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM routing WHERE id = 1`).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr("routing document", err)
	}
	return []byte(doc), nil
}

// SetRoutingDocument replaces the routing document.
func (s *Store) SetRoutingDocument(ctx context.Context, doc []byte, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO routing (id, doc, updated_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`, string(doc), ms(at))
	return dbErr("set routing document", err)
}

// RecordConnectorEvent notes a webhook event; EConflict when noted before.
func (s *Store) RecordConnectorEvent(ctx context.Context, connector, eventID string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO connector_events (connector, event_id, at) VALUES (?, ?, ?)`, connector, eventID, ms(at))
	return dbErr("record connector event", err)
}

// SetConnectorCircuit inserts or replaces a node's circuit of a connector,
// unless the one stored is newer.
func (s *Store) SetConnectorCircuit(ctx context.Context, c paygate.ConnectorCircuit) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO connector_circuits (node, connector, state, since, failures, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (connector, node) DO UPDATE SET state = excluded.state, since = excluded.since,
		failures = excluded.failures, updated_at = excluded.updated_at
		WHERE excluded.updated_at >= connector_circuits.updated_at`, c.Node, c.Connector, c.State, ms(c.Since), c.Failures, ms(c.UpdatedAt))
	return dbErr("set connector circuit", err)
}

// ConnectorCircuits lists every node's circuits by connector and node.
func (s *Store) ConnectorCircuits(ctx context.Context) ([]paygate.ConnectorCircuit, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT node, connector, state, since, failures, updated_at FROM connector_circuits
		ORDER BY connector, node`)
	if err != nil {
		return nil, dbErr("connector circuits", err)
	}
	defer rows.Close()
	var out []paygate.ConnectorCircuit
	for rows.Next() {
		var c paygate.ConnectorCircuit
		var since, updated int64
		if err := rows.Scan(&c.Node, &c.Connector, &c.State, &since, &c.Failures, &updated); err != nil {
			return nil, dbErr("connector circuits", err)
		}
		c.Since, c.UpdatedAt = fromMs(since), fromMs(updated)
		out = append(out, c)
	}
	return out, dbErr("connector circuits", rows.Err())
}

// ConnectorEventTaken reports whether a connector's event was noted.
func (s *Store) ConnectorEventTaken(ctx context.Context, connector, eventID string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM connector_events WHERE connector = ? AND event_id = ?`, connector, eventID).Scan(&n)
	return n > 0, dbErr("connector event", err)
}

// DeleteConnectorEventsBefore forgets the events noted before a time.
func (s *Store) DeleteConnectorEventsBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM connector_events WHERE at < ?`, ms(before))
	if err != nil {
		return 0, dbErr("delete connector events", err)
	}
	n, err := res.RowsAffected()
	return int(n), dbErr("delete connector events", err)
}

// MerchantLive reports whether the merchant is live.
func (s *Store) MerchantLive(ctx context.Context, merchantID string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM live_merchants WHERE merchant_id = ?`, merchantID).Scan(&n)
	return n > 0, dbErr("merchant live", err)
}

// SetMerchantLive makes a merchant live or a sandbox merchant; ENotFound.
func (s *Store) SetMerchantLive(ctx context.Context, merchantID string, live bool, at time.Time) error {
	if _, err := s.Merchant(ctx, merchantID); err != nil {
		return err
	}
	var err error
	if live {
		_, err = s.w.ExecContext(ctx, `INSERT INTO live_merchants (merchant_id, since) VALUES (?, ?) ON CONFLICT (merchant_id) DO NOTHING`,
			merchantID, ms(at))
	} else {
		_, err = s.w.ExecContext(ctx, `DELETE FROM live_merchants WHERE merchant_id = ?`, merchantID)
	}
	return dbErr("set merchant live", err)
}
