package stripe

import (
	"context"
	"errors"
	"strconv"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"

	"paygate"
	"paygate/acquirer"
)

// OwnThreeDS reports that Stripe runs 3-D Secure inside the confirmation.
func (c *Connector) OwnThreeDS() bool { return true }

// Authenticate asks for no challenge and gives no result: Stripe runs 3-D
// Secure itself when Authorize confirms the payment, and a challenge comes
// back from Authorize as Result.RedirectURL.
func (c *Connector) Authenticate(context.Context, acquirer.AuthenticateRequest) (acquirer.AuthenticateResult, error) {
	return acquirer.AuthenticateResult{}, nil
}

// CompleteChallenge is never needed, as Authenticate asks for no challenge
// on the gateway's ACS page; it answers nil, nil (no authentication result),
// which Stripe's own 3-D Secure makes up for.
func (c *Connector) CompleteChallenge(context.Context, string, acquirer.Card, bool) (*paygate.ThreeDS, error) {
	return nil, nil
}

// Authorize creates the payment's PaymentIntent (without the card), a
// PaymentMethod of the card, and confirms the one with the other. A refused
// card is a declined Result; an error wraps acquirer.ErrNoEffect only when
// nothing can have been charged.
func (c *Connector) Authorize(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	pi, err := c.createIntent(ctx, req)
	if err != nil {
		return acquirer.Result{}, err
	}
	pmKey, confirmKey := attemptKeys(req.Reference)
	pm, err := c.createMethod(ctx, req.Card, pmKey)
	if err != nil {
		var e *callError
		if errors.As(err, &e) && e.isCard() { // an invalid number, say
			return declined(acquirer.Result{AcquirerRef: pi.ID}, e.code, e.declineCode), nil
		}
		// A PaymentMethod charges nothing, whatever became of it.
		return acquirer.Result{}, withoutEffect(err)
	}
	return c.confirm(ctx, req, pi.ID, pm.ID, confirmKey)
}

// Resolve asks again for the outcome of an authorization whose answer was
// lost. It reads the PaymentIntent the request names (AcquirerRef) or,
// when no answer named it, repeats its creation under the same key, which
// gives back the same PaymentIntent for 24 hours, and reads its status. One that no
// confirmation reached is canceled, so a confirmation still on its way
// cannot charge; then the error wraps acquirer.ErrNoEffect. Any other error
// leaves the outcome unknown.
func (c *Connector) Resolve(ctx context.Context, req acquirer.AuthorizeRequest) (acquirer.Result, error) {
	id := req.AcquirerRef
	if id == "" {
		pi, err := c.createIntent(ctx, req)
		if err != nil {
			return acquirer.Result{}, stillUnknown(err)
		}
		id = pi.ID
	}
	pi, err := c.retrieve(ctx, id)
	if err != nil {
		return acquirer.Result{}, stillUnknown(err)
	}
	r, st := resultOf(pi)
	switch st {
	case settled:
		return r, nil
	case unconfirmed:
		return c.abandon(ctx, pi.ID)
	}
	return acquirer.Result{}, statusError("resolve", pi)
}

// intentParams are the parameters of the PaymentIntent's creation. They
// follow from the request without its card alone, as Resolve repeats them.
func intentParams(req acquirer.AuthorizeRequest) (*stripego.PaymentIntentCreateParams, error) {
	if req.Reference == "" || len(req.Reference) > 200 {
		return nil, errors.New("the reference must have 1 to 200 characters")
	}
	n, err := amount(req.Amount)
	if err != nil {
		return nil, err
	}
	capture := "manual"
	if req.Capture {
		capture = "automatic"
	}
	p := &stripego.PaymentIntentCreateParams{
		Params:             params(createKey(req.Reference, req.Attempt)),
		Amount:             stripego.Int64(n),
		Currency:           stripego.String(strings.ToLower(req.Amount.Currency)),
		CaptureMethod:      stripego.String(capture),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Metadata:           map[string]string{metaTradeNo: req.Reference},
	}
	if req.Attempt > 0 {
		p.Metadata[metaAttempt] = strconv.Itoa(req.Attempt)
	}
	if s := descriptorSuffix(req.StatementDescriptor); s != "" {
		p.StatementDescriptorSuffix = stripego.String(s)
	}
	return p, nil
}

// The PaymentIntent's metadata keys: the tradeNo, and the attempt (a card
// of the cashier page) when the payment has more than one.
const (
	metaTradeNo = "tradeNo"
	metaAttempt = "attempt"
)

func (c *Connector) createIntent(ctx context.Context, req acquirer.AuthorizeRequest) (*stripego.PaymentIntent, error) {
	const op = "create PaymentIntent"
	p, err := intentParams(req)
	if err != nil {
		return nil, &callError{op: op, text: err.Error(), noEffect: true, badRequest: true}
	}
	var pi *stripego.PaymentIntent
	err = c.call(ctx, op, func(ctx context.Context) (err error) {
		pi, err = c.api.V1PaymentIntents.Create(ctx, p)
		return err
	})
	return pi, err
}

func (c *Connector) createMethod(ctx context.Context, card acquirer.Card, key string) (*stripego.PaymentMethod, error) {
	p := &stripego.PaymentMethodCreateParams{
		Params: params(key),
		Type:   stripego.String("card"),
		Card: &stripego.PaymentMethodCreateCardParams{
			Number:   stripego.String(card.Number),
			ExpMonth: stripego.Int64(int64(card.ExpiryMonth)),
			ExpYear:  stripego.Int64(int64(card.ExpiryYear)),
		},
	}
	if card.CVC != "" {
		p.Card.CVC = stripego.String(card.CVC)
	}
	if card.HolderName != "" {
		p.BillingDetails = &stripego.PaymentMethodCreateBillingDetailsParams{Name: stripego.String(card.HolderName)}
	}
	var pm *stripego.PaymentMethod
	err := c.call(ctx, "create PaymentMethod", func(ctx context.Context) (err error) {
		pm, err = c.api.V1PaymentMethods.Create(ctx, p)
		return err
	})
	return pm, err
}

// confirm confirms the PaymentIntent with the card's PaymentMethod and maps
// what Stripe answers.
func (c *Connector) confirm(ctx context.Context, req acquirer.AuthorizeRequest, intentID, pmID, key string) (acquirer.Result, error) {
	p := &stripego.PaymentIntentConfirmParams{Params: params(key), PaymentMethod: stripego.String(pmID)}
	p.AddExpand("latest_charge")
	switch {
	case req.Initiator == "merchant":
		// A stored-card payment without the customer: Stripe flags it as
		// merchant-initiated and fails it (authentication_required) rather
		// than ask for 3-D Secure.
		p.OffSession = stripego.Bool(true)
	case req.ReturnURL != "":
		p.ReturnURL = stripego.String(req.ReturnURL)
		if req.RequireThreeDS {
			// "any": authenticate whenever the card supports it, not only
			// when Stripe's rules or the issuer want it.
			p.PaymentMethodOptions = &stripego.PaymentIntentPaymentMethodOptionsParams{
				Card: &stripego.PaymentIntentPaymentMethodOptionsCardParams{RequestThreeDSecure: stripego.String("any")}}
		}
	default:
		// Nowhere to send the customer for 3-D Secure: Stripe fails the
		// attempt instead of leaving it waiting.
		p.ErrorOnRequiresAction = stripego.Bool(true)
	}
	var pi *stripego.PaymentIntent
	err := c.call(ctx, "confirm PaymentIntent", func(ctx context.Context) (err error) {
		pi, err = c.api.V1PaymentIntents.Confirm(ctx, intentID, p)
		return err
	})
	var e *callError
	switch {
	case err == nil:
	case errors.As(err, &e) && e.isCard():
		return declined(acquirer.Result{AcquirerRef: intentID}, e.code, e.declineCode), nil
	case errors.As(err, &e) && e.code == string(stripego.ErrorCodePaymentIntentUnexpectedState):
		// The PaymentIntent is past confirmation: an earlier attempt of
		// the payment was approved, or it was canceled. That is the answer.
		pi, err = c.retrieve(ctx, intentID)
		if err != nil {
			return acquirer.Result{}, stillUnknown(err)
		}
	default:
		return acquirer.Result{}, err
	}
	r, st := resultOf(pi)
	if st != settled {
		return acquirer.Result{}, statusError("confirm PaymentIntent", pi)
	}
	return r, nil
}

func (c *Connector) retrieve(ctx context.Context, id string) (*stripego.PaymentIntent, error) {
	p := &stripego.PaymentIntentRetrieveParams{}
	p.AddExpand("latest_charge")
	var pi *stripego.PaymentIntent
	err := c.call(ctx, "retrieve PaymentIntent", func(ctx context.Context) (err error) {
		pi, err = c.api.V1PaymentIntents.Retrieve(ctx, id, p)
		return err
	})
	return pi, err
}

// abandon cancels a PaymentIntent that no confirmation reached. Once it is
// canceled no confirmation can charge it, so nothing was charged.
func (c *Connector) abandon(ctx context.Context, id string) (acquirer.Result, error) {
	const op = "cancel unconfirmed PaymentIntent"
	p := &stripego.PaymentIntentCancelParams{
		Params:             params("paygate:" + id + ":abandon"),
		CancellationReason: stripego.String("abandoned"),
	}
	var pi *stripego.PaymentIntent
	err := c.call(ctx, op, func(ctx context.Context) (err error) {
		pi, err = c.api.V1PaymentIntents.Cancel(ctx, id, p)
		return err
	})
	if err != nil {
		return acquirer.Result{}, stillUnknown(err)
	}
	if pi.Status != stripego.PaymentIntentStatusCanceled {
		return acquirer.Result{}, statusError(op, pi)
	}
	return acquirer.Result{}, &callError{op: "resolve", noEffect: true,
		text: "no confirmation reached PaymentIntent " + id + ", now canceled"}
}

// statusError is the unknown outcome of a PaymentIntent in a status the
// step does not expect.
func statusError(op string, pi *stripego.PaymentIntent) error {
	return &callError{op: op, text: "PaymentIntent " + pi.ID + " has status " + orNone(string(pi.Status))}
}
