package routing

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"paygate"
)

var known = func(n string) bool { return n == "stripe_a" || n == "stripe_b" || n == "sandbox" }

func mustParse(t *testing.T, doc string) *Document {
	t.Helper()
	d, err := Parse([]byte(doc), known)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return d
}

// TestParseRefusesWithThePath: a fault anywhere refuses the whole
// document, naming the JSON path of the fault.
func TestParseRefusesWithThePath(t *testing.T) {
	for _, c := range []struct{ name, doc, param string }{
		{"UnknownConnector", `{"rules":[{"name":"a","match":{},"connectors":[{"connector":"sandbox"},{"connector":"nope"}]}]}`, "rules[0].connectors[1].connector"},
		{"UnknownDefault", `{"rules":[],"default":[{"connector":"nope"}]}`, "default[0].connector"},
		{"UnknownMerchantDefault", `{"rules":[],"merchantDefaults":{"m_1":[{"connector":"nope"}]}}`, "merchantDefaults.m_1[0].connector"},
		{"EmptyMerchantDefault", `{"rules":[],"merchantDefaults":{"m_1":[]}}`, "merchantDefaults.m_1"},
		{"NoConnectors", `{"rules":[{"name":"a","match":{},"connectors":[]}]}`, "rules[0].connectors"},
		{"NoName", `{"rules":[{"match":{},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].name"},
		{"NameTwice", `{"rules":[{"name":"a","match":{},"connectors":[{"connector":"sandbox"}]},{"name":"a","match":{},"connectors":[{"connector":"sandbox"}]}]}`, "rules[1].name"},
		{"Twice", `{"rules":[{"name":"a","match":{},"connectors":[{"connector":"sandbox"},{"connector":"sandbox"}]}]}`, "rules[0].connectors[1].connector"},
		{"NegativeWeight", `{"rules":[{"name":"a","match":{},"connectors":[{"connector":"sandbox","weight":-1}]}]}`, "rules[0].connectors[0].weight"},
		{"HugeWeight", `{"rules":[{"name":"a","match":{},"connectors":[{"connector":"sandbox","weight":10001}]}]}`, "rules[0].connectors[0].weight"},
		{"SomeWeights", `{"rules":[{"name":"a","match":{},"connectors":[{"connector":"sandbox","weight":50},{"connector":"stripe_a"}]}]}`, "rules[0].connectors[1].weight"},
		{"EmptyList", `{"rules":[{"name":"a","match":{"currencies":[]},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.currencies"},
		{"BadCurrency", `{"rules":[{"name":"a","match":{"currencies":["XXY"]},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.currencies[0]"},
		{"BadMethod", `{"rules":[{"name":"a","match":{"methods":["cash"]},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.methods[0]"},
		{"BadBrand", `{"rules":[{"name":"a","match":{"brands":["VISA"]},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.brands[0]"},
		{"BadCountry", `{"rules":[{"name":"a","match":{"countries":["usa"]},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.countries[0]"},
		{"BrandsOfWallets", `{"rules":[{"name":"a","match":{"methods":["wechat"],"brands":["visa"]},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.brands"},
		{"AmountNoCurrency", `{"rules":[{"name":"a","match":{"amountMin":"10.00"},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.currencies"},
		{"AmountTwoCurrencies", `{"rules":[{"name":"a","match":{"currencies":["USD","EUR"],"amountMax":"10.00"},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.currencies"},
		{"AmountBad", `{"rules":[{"name":"a","match":{"currencies":["JPY"],"amountMin":"10.5"},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.amountMin"},
		{"AmountEmptyRange", `{"rules":[{"name":"a","match":{"currencies":["USD"],"amountMin":"10.00","amountMax":"9.99"},"connectors":[{"connector":"sandbox"}]}]}`, "rules[0].match.amountMax"},
		{"EmptyCode", `{"rules":[],"failoverOn":[""]}`, "failoverOn[0]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), known)
			var e *paygate.Error
			if !errors.As(err, &e) || e.Param != c.param {
				t.Fatalf("got %v, want a fault at %s", err, c.param)
			}
		})
	}
	for _, doc := range []string{`{"rules":[]`, `{"rules":[],"extra":1}`, `{"rules":[]} {}`} {
		var e *paygate.Error
		if _, err := Parse([]byte(doc), known); !errors.As(err, &e) || e.Code != paygate.EInvalidJSON {
			t.Errorf("%s: got %v, want invalid_json", doc, err)
		}
	}
}

func TestRouteMatches(t *testing.T) {
	d := mustParse(t, `{
		"rules": [
			{"name": "big-usd", "match": {"methods": ["card"], "currencies": ["USD"], "amountMin": "1000.00"}, "connectors": [{"connector": "stripe_b"}]},
			{"name": "us-visa", "match": {"brands": ["visa"], "countries": ["US"]}, "connectors": [{"connector": "stripe_a"}, {"connector": "sandbox"}], "failoverOn": ["processing_error"]},
			{"name": "wallets", "match": {"methods": ["wechat", "alipay"]}, "connectors": [{"connector": "sandbox"}]}
		],
		"merchantDefaults": {"m_2": [{"connector": "stripe_b"}]},
		"default": [{"connector": "sandbox"}],
		"failoverOn": ["card_declined"]
	}`)
	usd := func(minor int64) paygate.Money { return paygate.Money{Minor: minor, Currency: "USD"} }
	for _, c := range []struct {
		name  string
		f     Facts
		rule  string
		first string
		retry string
	}{
		{"AtTheBound", Facts{MerchantID: "m_1", Method: "card", Amount: usd(100000), Brand: "visa", Country: "US"}, "big-usd", "stripe_b", "card_declined"},
		{"BelowTheBound", Facts{MerchantID: "m_1", Method: "card", Amount: usd(99999), Brand: "visa", Country: "US"}, "us-visa", "stripe_a", "processing_error"},
		{"OtherCountry", Facts{MerchantID: "m_1", Method: "card", Amount: usd(100), Brand: "visa", Country: "GB"}, "default", "sandbox", "card_declined"},
		{"MerchantDefault", Facts{MerchantID: "m_2", Method: "card", Amount: usd(100), Brand: "visa", Country: "GB"}, "merchant default", "stripe_b", "card_declined"},
		{"Wallet", Facts{MerchantID: "m_2", Method: "alipay", Amount: usd(100)}, "wallets", "sandbox", "card_declined"},
	} {
		r, ok := d.Route(c.f)
		if !ok || r.Rule != c.rule || r.Connectors[0] != c.first || !r.Retries(c.retry) {
			t.Errorf("%s: got %+v, %v; want rule %s to %s, retrying %s", c.name, r, ok, c.rule, c.first, c.retry)
		}
	}
	if r, ok := d.Route(Facts{MerchantID: "m_1", Method: "card", Amount: usd(100), Brand: "visa", Country: "US"}); !ok ||
		fmt.Sprint(r.Connectors) != "[stripe_a sandbox]" || r.Retries("card_declined") {
		t.Errorf("a rule's failoverOn replaces the document's: got %+v", r)
	}
	none := mustParse(t, `{"rules": []}`)
	if r, ok := none.Route(Facts{MerchantID: "m_1", Method: "card", Amount: usd(100)}); ok {
		t.Errorf("no rule, no default: got %+v, want no route", r)
	}
}

// TestWeightsSplit: 10,000 payments split by weights land within 2 points
// of each weight, the same payment always draws the same connector, and
// the others follow as fallbacks.
func TestWeightsSplit(t *testing.T) {
	d := mustParse(t, `{"rules": [{"name": "split", "match": {}, "connectors": [
		{"connector": "stripe_a", "weight": 70}, {"connector": "stripe_b", "weight": 20}, {"connector": "sandbox", "weight": 10}]}]}`)
	want := map[string]float64{"stripe_a": 0.70, "stripe_b": 0.20, "sandbox": 0.10}
	got := map[string]int{}
	const n = 10_000
	for i := range n {
		f := Facts{MerchantID: "m_1", Method: "card", Amount: paygate.Money{Minor: 100, Currency: "USD"}, Key: fmt.Sprintf("T%019d", 1_000_000+i*7)}
		r, _ := d.Route(f)
		if len(r.Connectors) != 3 {
			t.Fatalf("got %v, want all three connectors, the drawn one first", r.Connectors)
		}
		again, _ := d.Route(f)
		if again.Connectors[0] != r.Connectors[0] {
			t.Fatalf("payment %s drew %s, then %s", f.Key, r.Connectors[0], again.Connectors[0])
		}
		got[r.Connectors[0]]++
	}
	for name, w := range want {
		if share := float64(got[name]) / n; math.Abs(share-w) > 0.02 {
			t.Errorf("%s: got %.3f of the payments, want %.2f ± 0.02", name, share, w)
		}
	}
}
