package risk

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/interpreter"
)

// Rule is one of a merchant's rules: a CEL expression over the variables
// of Variables, and what a match does.
type Rule struct {
	ID         string
	Name       string
	Expression string
	Action     Decision
	Enabled    bool
	program    cel.Program
}

// MaxRules is the most rules a merchant has.
const MaxRules = 100

// CostLimit bounds one evaluation of a rule (CEL's cost units: about one
// an operation). A rule whose worst case, estimated when it is compiled
// (strings at most 256 characters: no variable is longer), exceeds it is
// refused, so every evaluation stays under it without counting as it runs
// (which would cost more than the rules themselves).
const CostLimit = 1_000

// Variables are the names a rule's expression may use, with their CEL types
// and meaning (docs/risk.md lists them).
var Variables = []struct{ Name, Type, Doc string }{
	{"amount", "int", "the amount in minor units"},
	{"currency", "string", "ISO 4217 code"},
	{"method", "string", "paymentMethodType"},
	{"card_brand", "string", "visa, mastercard, ...; \"\" without a card"},
	{"card_bin", "string", "the card number's first 6 digits"},
	{"card_country", "string", "the card's country (ISO 3166 alpha-2) from its BIN; \"\" unknown"},
	{"ip", "string", "deviceInfo.clientIp"},
	{"ip_country", "string", "the address's country; \"\" unknown"},
	{"billing_country", "string", "billing.address.country"},
	{"email_domain", "string", "the part of billing.email after the @, lower case"},
	{"hour", "int", "the hour of the day, UTC, 0-23"},
	{"card_count_10m", "int", "the card's payments in the last 10 minutes, this one included"},
	{"card_count_1h", "int", "... in the last hour"},
	{"card_count_24h", "int", "... in the last 24 hours"},
	{"card_amount_1h", "int", "the amounts of the card's payments in the last hour, minor units"},
	{"card_amount_24h", "int", "... in the last 24 hours"},
	{"ip_count_10m", "int", "the address's payments in the last 10 minutes, this one included"},
	{"ip_count_1h", "int", "... in the last hour"},
	{"ip_count_24h", "int", "... in the last 24 hours"},
	{"ip_declines_10m", "int", "the address's declined payments in the last 10 minutes"},
	{"ip_declines_1h", "int", "... in the last hour"},
	{"email_count_10m", "int", "the email's payments in the last 10 minutes, this one included"},
	{"email_count_1h", "int", "... in the last hour"},
	{"email_count_24h", "int", "... in the last 24 hours"},
	{"device_count_10m", "int", "the device's payments in the last 10 minutes, this one included"},
	{"device_count_1h", "int", "... in the last hour"},
	{"device_count_24h", "int", "... in the last 24 hours"},
	{"device_declines_10m", "int", "the device's declined payments in the last 10 minutes"},
	{"merchant_declines_10m", "int", "the merchant's declined payments in the last 10 minutes"},
}

var env = func() *cel.Env {
	var opts []cel.EnvOption
	for _, v := range Variables {
		t := cel.StringType
		if v.Type == "int" {
			t = cel.IntType
		}
		opts = append(opts, cel.Variable(v.Name, t))
	}
	e, err := cel.NewEnv(opts...)
	if err != nil {
		panic(err)
	}
	return e
}()

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// CheckName reports what is wrong with a rule's name, or "".
func CheckName(name string) string {
	if !nameRE.MatchString(name) {
		return "name must be 1-64 lower-case letters, digits, _ or -, starting with a letter or digit"
	}
	return ""
}

// Compile checks a rule and readies it. The error names what is wrong:
// CEL's message with the line and column for an expression that does not
// compile or uses an unknown variable, or that is not true/false, or too
// costly.
func Compile(id, name, expression string, action Decision, enabled bool) (*Rule, error) {
	if len(expression) == 0 || len(expression) > 2_000 {
		return nil, errors.New("expression must be 1-2000 characters")
	}
	ast, iss := env.Compile(expression)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	if ast.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("expression must be true or false, not %s", ast.OutputType())
	}
	cost, err := env.EstimateCost(ast, estimator{})
	if err != nil {
		return nil, err
	}
	if cost.Max > CostLimit {
		return nil, fmt.Errorf("expression may cost up to %d, more than the limit of %d", cost.Max, CostLimit)
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, err
	}
	return &Rule{ID: id, Name: name, Expression: expression, Action: action, Enabled: enabled, program: prg}, nil
}

func (r *Rule) eval(act interpreter.Activation) (bool, error) {
	out, _, err := r.program.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("the expression gave %v, not true or false", out.Value())
	}
	return b, nil
}

func (r *Rule) reason() Reason {
	return Reason{"rule:" + r.Name, fmt.Sprintf("the merchant's rule %s matched (%s)", r.Name, r.Action)}
}
