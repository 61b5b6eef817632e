package stripe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"

	"paygate/acquirer"
)

// noEffectStatus are the answers Stripe documents as changing nothing: a
// bad request, a bad key, a missing object, a rate limit. A 402 is a
// refusal (a decline for a card), and any 5xx may have acted.
//
// An idempotency error (400 idempotency_error, or 409 for a request under
// the same key still running) changed nothing either, but it says that an
// earlier request under the key exists, whose effect this call cannot know:
// the payment must not go on to another connector, so it is an unknown
// outcome.
var noEffectStatus = map[int]bool{400: true, 401: true, 403: true, 404: true, 429: true}

// callError is a failed call to Stripe. Its text is made of the HTTP status,
// Stripe's error type and codes and the transport's error, never of
// Stripe's message or of the request, so it holds no card data.
type callError struct {
	op                     string
	status                 int // 0 when no answer came
	typ, code, declineCode string
	param, requestID       string
	text                   string // what went wrong when no answer came
	noEffect               bool
	badRequest             bool  // Stripe refused the parameters (400, 404), or they were refused here
	cause                  error // the transport's error, when no answer came
}

func (e *callError) Error() string {
	var b strings.Builder
	b.WriteString("stripe: " + e.op + ": ")
	if e.status != 0 {
		b.WriteString("HTTP " + strconv.Itoa(e.status))
		for _, s := range []string{e.typ, e.code, e.declineCode} {
			if s != "" {
				b.WriteString(" " + s)
			}
		}
		if e.param != "" {
			b.WriteString(" (param " + e.param + ")")
		}
		if e.requestID != "" {
			b.WriteString(", request " + e.requestID)
		}
	} else {
		b.WriteString(e.text)
	}
	if e.noEffect {
		b.WriteString(": " + acquirer.ErrNoEffect.Error())
	} else {
		b.WriteString(": outcome unknown")
	}
	return b.String()
}

// Unwrap gives acquirer.ErrNoEffect when the call had no effect, and the
// transport's error (a timeout, a refused connection).
func (e *callError) Unwrap() []error {
	var errs []error
	if e.noEffect {
		errs = append(errs, acquirer.ErrNoEffect)
	}
	if e.badRequest {
		errs = append(errs, acquirer.ErrBadRequest)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// isCard reports whether Stripe refused the card (402 card_error): a
// decline, not an error.
func (e *callError) isCard() bool {
	return e.status == 402 && e.typ == string(stripego.ErrorTypeCard)
}

// classify makes a callError of what a call returned. connected says
// whether the transport obtained a connection for the request: before that
// nothing was sent.
func classify(op string, err error, connected bool) *callError {
	e := &callError{op: op}
	var se *stripego.Error
	switch {
	case errors.As(err, &se) && se.HTTPStatusCode != 0:
		e.status, e.typ, e.code = se.HTTPStatusCode, string(se.Type), string(se.Code)
		e.declineCode, e.param, e.requestID = string(se.DeclineCode), se.Param, se.RequestID
		e.noEffect = noEffectStatus[se.HTTPStatusCode] && se.Type != stripego.ErrorTypeIdempotency
		e.badRequest = e.noEffect && (se.HTTPStatusCode == 400 || se.HTTPStatusCode == 404)
	case transportError(err):
		e.text, e.cause = err.Error(), err
		e.noEffect = !connected && notConnected(err)
	default:
		// An answer that is not Stripe's JSON: the library's text may quote
		// it, so it is left out.
		e.text = "Stripe's answer could not be read"
	}
	return e
}

// transportError reports whether err comes from the network rather than
// from an answer; its text names the URL and the fault, nothing sent.
func transportError(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// notConnected reports whether err is a failure to open the connection: a
// dial error (refused, unreachable, DNS) or a failed TLS handshake.
func notConnected(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &rh) || errors.As(err, &alert) ||
		errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci)
}

// stillUnknown is err with no claim of no effect: for a question whose
// failure leaves the outcome of the first call unknown.
func stillUnknown(err error) error {
	var e *callError
	if errors.As(err, &e) && e.noEffect {
		c := *e
		c.noEffect = false
		return &c
	}
	return err
}

// withoutEffect is err marked as having had no effect.
func withoutEffect(err error) error {
	var e *callError
	if errors.As(err, &e) && !e.noEffect {
		c := *e
		c.noEffect = true
		return &c
	}
	return err
}
