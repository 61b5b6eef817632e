package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"paygate"
)

// CreateConnector adds a connector; EConflict if its name is taken.
func (s *Store) CreateConnector(ctx context.Context, c *paygate.Connector) error {
	_, err := s.exec(ctx, "create connector", `INSERT INTO connectors (name, type, base_url, timeout_ms, latency_ms, secret_sealed,
		key_id, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, c.Name, c.Type, c.BaseURL,
		c.Timeout.Milliseconds(), c.Latency.Milliseconds(), c.SecretSealed, c.KeyID, boolInt(c.Disabled), ms(c.CreatedAt), ms(c.UpdatedAt))
	return err
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Connectors lists the registered connectors by name.
func (s *Store) Connectors(ctx context.Context) ([]*paygate.Connector, error) {
	var out []*paygate.Connector
	err := s.rows(ctx, "connectors", `SELECT name, type, base_url, timeout_ms, latency_ms, secret_sealed, key_id, disabled,
		created_at, updated_at FROM connectors ORDER BY name COLLATE "C"`, nil, func(r pgx.Rows) error {
		var c paygate.Connector
		var timeout, latency, disabled, created, updated int64
		if err := r.Scan(&c.Name, &c.Type, &c.BaseURL, &timeout, &latency, &c.SecretSealed, &c.KeyID, &disabled,
			&created, &updated); err != nil {
			return err
		}
		c.Timeout, c.Latency = time.Duration(timeout)*time.Millisecond, time.Duration(latency)*time.Millisecond
		c.Disabled, c.CreatedAt, c.UpdatedAt = disabled != 0, fromMs(created), fromMs(updated)
		out = append(out, &c)
		return nil
	})
	return out, err
}

// SetConnectorDisabled disables or enables a connector; ENotFound.
func (s *Store) SetConnectorDisabled(ctx context.Context, name string, disabled bool, at time.Time) error {
	n, err := s.exec(ctx, "set connector disabled", `UPDATE connectors SET disabled = $1, updated_at = $2 WHERE name = $3`,
		boolInt(disabled), ms(at), name)
	if err == nil && n == 0 {
		return paygate.Errorf(paygate.ENotFound, "no connector %q", name)
	}
	return err
}

// RoutingDocument returns the routing document, nil if none was set.
func (s *Store) RoutingDocument(ctx context.Context) ([]byte, error) {
	var doc []byte
	err := s.withConn(ctx, "routing document", func(c *pgxpool.Conn) error {
		var d string
		err := c.QueryRow(ctx, `SELECT doc FROM routing WHERE id = 1`).Scan(&d)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		doc = []byte(d)
		return err
	})
	return doc, err
}

// SetRoutingDocument replaces the routing document.
func (s *Store) SetRoutingDocument(ctx context.Context, doc []byte, at time.Time) error {
	_, err := s.exec(ctx, "set routing document", `INSERT INTO routing (id, doc, updated_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`, string(doc), ms(at))
	return err
}

// RecordConnectorEvent notes a webhook event; EConflict when noted before.
func (s *Store) RecordConnectorEvent(ctx context.Context, connector, eventID string, at time.Time) error {
	_, err := s.exec(ctx, "record connector event", `INSERT INTO connector_events (connector, event_id, at) VALUES ($1, $2, $3)`,
		connector, eventID, ms(at))
	return err
}

// SetConnectorCircuit inserts or replaces a node's circuit of a connector,
// unless the one stored is newer.
func (s *Store) SetConnectorCircuit(ctx context.Context, c paygate.ConnectorCircuit) error {
	_, err := s.exec(ctx, "set connector circuit", `INSERT INTO connector_circuits (node, connector, state, since, failures, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connector, node) DO UPDATE SET state = excluded.state, since = excluded.since,
		failures = excluded.failures, updated_at = excluded.updated_at
		WHERE excluded.updated_at >= connector_circuits.updated_at`, c.Node, c.Connector, c.State, ms(c.Since), c.Failures, ms(c.UpdatedAt))
	return err
}

// ConnectorCircuits lists every node's circuits by connector and node.
func (s *Store) ConnectorCircuits(ctx context.Context) ([]paygate.ConnectorCircuit, error) {
	var out []paygate.ConnectorCircuit
	err := s.rows(ctx, "connector circuits", `SELECT node, connector, state, since, failures, updated_at FROM connector_circuits
		ORDER BY connector, node`, nil, func(r pgx.Rows) error {
		var c paygate.ConnectorCircuit
		var since, updated, failures int64
		if err := r.Scan(&c.Node, &c.Connector, &c.State, &since, &failures, &updated); err != nil {
			return err
		}
		c.Since, c.UpdatedAt, c.Failures = fromMs(since), fromMs(updated), int(failures)
		out = append(out, c)
		return nil
	})
	return out, err
}

// ConnectorEventTaken reports whether a connector's event was noted.
func (s *Store) ConnectorEventTaken(ctx context.Context, connector, eventID string) (bool, error) {
	var n int64
	err := s.withConn(ctx, "connector event", func(c *pgxpool.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM connector_events WHERE connector = $1 AND event_id = $2`, connector, eventID).Scan(&n)
	})
	return n > 0, err
}

// DeleteConnectorEventsBefore forgets the events noted before a time.
func (s *Store) DeleteConnectorEventsBefore(ctx context.Context, before time.Time) (int, error) {
	n, err := s.exec(ctx, "delete connector events", `DELETE FROM connector_events WHERE at < $1`, ms(before))
	return int(n), err
}

// MerchantLive reports whether the merchant is live.
func (s *Store) MerchantLive(ctx context.Context, merchantID string) (bool, error) {
	var n int64
	err := s.withConn(ctx, "merchant live", func(c *pgxpool.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM live_merchants WHERE merchant_id = $1`, merchantID).Scan(&n)
	})
	return n > 0, err
}

// SetMerchantLive makes a merchant live or a sandbox merchant; ENotFound.
func (s *Store) SetMerchantLive(ctx context.Context, merchantID string, live bool, at time.Time) error {
	if _, err := s.Merchant(ctx, merchantID); err != nil {
		return err
	}
	var err error
	if live {
		_, err = s.exec(ctx, "set merchant live", `INSERT INTO live_merchants (merchant_id, since) VALUES ($1, $2)
			ON CONFLICT (merchant_id) DO NOTHING`, merchantID, ms(at))
	} else {
		_, err = s.exec(ctx, "set merchant live", `DELETE FROM live_merchants WHERE merchant_id = $1`, merchantID)
	}
	return err
}
