package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"paygate"
)

func newConnector(name string) *paygate.Connector {
	return &paygate.Connector{Name: name, Type: paygate.ConnectorStripe, BaseURL: "https://api.example/" + name,
		Timeout: 10 * time.Second, Latency: 250 * time.Millisecond, SecretSealed: []byte("sealed-" + name),
		KeyID: "key_c_" + name, CreatedAt: at(time.Minute), UpdatedAt: at(time.Minute)}
}

// testConnectors: connectors are kept as given, listed by name, disabled
// and enabled; a name is taken once.
func testConnectors(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	if cs, err := s.Connectors(ctx); err != nil || len(cs) != 0 {
		t.Fatalf("Connectors of an empty store: %v, %v", cs, err)
	}
	for _, n := range []string{"stripe_b", "stripe-a", "sandbox_slow"} {
		if err := s.CreateConnector(ctx, newConnector(n)); err != nil {
			t.Fatalf("CreateConnector %s: %v", n, err)
		}
	}
	wantCode(t, s.CreateConnector(ctx, newConnector("stripe_b")), paygate.EConflict)
	cs, err := s.Connectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	if want := []string{"sandbox_slow", "stripe-a", "stripe_b"}; !slices.Equal(names, want) {
		t.Fatalf("Connectors: got %v, want %v (by name, bytewise)", names, want)
	}
	if got, want := *cs[1], *newConnector("stripe-a"); fmt.Sprint(got) != fmt.Sprint(want) || !bytes.Equal(got.SecretSealed, want.SecretSealed) {
		t.Errorf("Connector: got %+v, want %+v", got, want)
	}
	if err := s.SetConnectorDisabled(ctx, "stripe-a", true, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetConnectorDisabled(ctx, "absent", true, at(time.Hour)), paygate.ENotFound)
	cs, _ = s.Connectors(ctx)
	if !cs[1].Disabled || !cs[1].UpdatedAt.Equal(at(time.Hour)) || cs[0].Disabled || cs[2].Disabled {
		t.Errorf("after disabling stripe-a: got %+v %+v %+v", cs[0], cs[1], cs[2])
	}
	if err := s.SetConnectorDisabled(ctx, "stripe-a", false, at(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if cs, _ = s.Connectors(ctx); cs[1].Disabled {
		t.Errorf("after enabling stripe-a: still disabled")
	}
	ids, err := s.SealedKeyIDs(ctx)
	if err != nil || !slices.Contains(ids, "key_c_stripe-a") {
		t.Errorf("SealedKeyIDs: got %v, %v; want the connectors' keys among them", ids, err)
	}
	got, err := s.SealedSecretsAfter(ctx, "connector", "sandbox_slow", 1)
	if err != nil || len(got) != 1 || got[0].ID != "stripe-a" || string(got[0].Sealed) != "sealed-stripe-a" {
		t.Fatalf("SealedSecretsAfter connector: got %+v, %v", got, err)
	}
	x := got[0]
	x.Sealed, x.KeyID = []byte("resealed"), "key_next"
	if err := s.ResealSecret(ctx, x, "key_c_stripe-a"); err != nil {
		t.Fatalf("ResealSecret: %v", err)
	}
	if cs, _ = s.Connectors(ctx); string(cs[1].SecretSealed) != "resealed" || cs[1].KeyID != "key_next" {
		t.Errorf("after ResealSecret: got %+v", cs[1])
	}
}

// testMerchantLive: a merchant is a sandbox merchant until made live, and
// can be made a sandbox merchant again; an unknown merchant is not found.
func testMerchantLive(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	if err := s.CreateMerchant(ctx, newMerchant("m_live")); err != nil {
		t.Fatal(err)
	}
	check := func(want bool) {
		t.Helper()
		if live, err := s.MerchantLive(ctx, "m_live"); err != nil || live != want {
			t.Fatalf("MerchantLive: got %v, %v; want %v", live, err, want)
		}
	}
	check(false)
	for _, live := range []bool{true, true, false, false, true} {
		if err := s.SetMerchantLive(ctx, "m_live", live, at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		check(live)
	}
	wantCode(t, s.SetMerchantLive(ctx, "m_absent", true, at(time.Minute)), paygate.ENotFound)
	if live, err := s.MerchantLive(ctx, "m_absent"); err != nil || live {
		t.Errorf("MerchantLive of an unknown merchant: got %v, %v", live, err)
	}
}

// testRouting: the routing document is kept as given and replaced whole;
// webhook events are taken once per connector.
func testRouting(t *testing.T, open func(t *testing.T) paygate.Store) {
	s, ctx := open(t), t.Context()
	if doc, err := s.RoutingDocument(ctx); err != nil || doc != nil {
		t.Fatalf("RoutingDocument of an empty store: %q, %v; want nil", doc, err)
	}
	for _, doc := range []string{`{"rules":[]}`, `{"rules":[],"default":[{"connector":"sandbox"}]}`} {
		if err := s.SetRoutingDocument(ctx, []byte(doc), at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.RoutingDocument(ctx); err != nil || string(got) != doc {
			t.Errorf("RoutingDocument: got %q, %v; want %q", got, err, doc)
		}
	}
	if err := s.RecordConnectorEvent(ctx, "stripe_a", "evt_1", at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RecordConnectorEvent(ctx, "stripe_a", "evt_1", at(time.Hour)), paygate.EConflict)
	for _, c := range []struct {
		connector, id string
		want          bool
	}{{"stripe_a", "evt_1", true}, {"stripe_a", "evt_2", false}, {"stripe_b", "evt_1", false}} {
		if got, err := s.ConnectorEventTaken(ctx, c.connector, c.id); err != nil || got != c.want {
			t.Errorf("ConnectorEventTaken(%s, %s): got %v, %v; want %v", c.connector, c.id, got, err, c.want)
		}
	}
	if err := s.RecordConnectorEvent(ctx, "stripe_a", "evt_new", at(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteConnectorEventsBefore(ctx, at(time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteConnectorEventsBefore: got %d, %v; want the one event noted before", n, err)
	}
	if taken, _ := s.ConnectorEventTaken(ctx, "stripe_a", "evt_new"); !taken {
		t.Errorf("a newer event was forgotten")
	}
	if err := s.RecordConnectorEvent(ctx, "stripe_b", "evt_1", at(time.Minute)); err != nil {
		t.Errorf("the same event id from another connector: %v", err)
	}
	for _, c := range []paygate.ConnectorCircuit{
		{Node: "node-2", Connector: "stripe_a", State: "open", Since: at(time.Minute), Failures: 5, UpdatedAt: at(time.Minute)},
		{Node: "node-1", Connector: "stripe_a", State: "open", Since: at(time.Minute), Failures: 5, UpdatedAt: at(time.Minute)},
		{Node: "node-1", Connector: "stripe_a", State: "closed", Since: at(time.Hour), Failures: 0, UpdatedAt: at(time.Hour)},
		{Node: "node-1", Connector: "sandbox", State: "closed", Since: at(time.Hour), Failures: 1, UpdatedAt: at(time.Hour)},
		{Node: "node-1", Connector: "sandbox", State: "open", Since: at(time.Minute), Failures: 5, UpdatedAt: at(time.Minute)}, // older: ignored
	} {
		if err := s.SetConnectorCircuit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.ConnectorCircuits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "[{node-1 sandbox closed 1} {node-1 stripe_a closed 0} {node-2 stripe_a open 5}]"
	var got []string
	for _, c := range cs {
		got = append(got, fmt.Sprintf("{%s %s %s %d}", c.Node, c.Connector, c.State, c.Failures))
	}
	if fmt.Sprint(got) != want {
		t.Errorf("ConnectorCircuits: got %v, want %s (the last write per node and connector, by connector and node)", got, want)
	}
	if !cs[1].Since.Equal(at(time.Hour)) || !cs[1].UpdatedAt.Equal(at(time.Hour)) {
		t.Errorf("circuit times: got %+v", cs[1])
	}
}
