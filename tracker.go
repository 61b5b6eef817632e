package paygate

import (
	"context"
	"strings"
	"time"
)

// TrackerStatus is the shipping state of a tracker. The trackerTransitions
// table below is the only place that says which changes are allowed;
// Tracker.Transition is the only code that changes a tracker's status.
type TrackerStatus string

// Tracker statuses: the PayPal shipment statuses a merchant reports itself
// (docs/tracking.md).
const (
	TrackerShipped     TrackerStatus = "SHIPPED"      // handed to the carrier
	TrackerOnHold      TrackerStatus = "ON_HOLD"      // held back (customs, address problem, stock)
	TrackerLocalPickup TrackerStatus = "LOCAL_PICKUP" // waiting for the customer at a pickup point
	TrackerDelivered   TrackerStatus = "DELIVERED"    // received by the customer
	TrackerCancelled   TrackerStatus = "CANCELLED"    // withdrawn by the merchant; final
)

// TrackerStatuses lists every tracker status in lifecycle order.
func TrackerStatuses() []TrackerStatus {
	return []TrackerStatus{TrackerShipped, TrackerOnHold, TrackerLocalPickup, TrackerDelivered, TrackerCancelled}
}

var trackerTransitions = map[TrackerStatus][]TrackerStatus{
	TrackerShipped:     {TrackerOnHold, TrackerDelivered, TrackerCancelled},
	TrackerOnHold:      {TrackerShipped, TrackerDelivered, TrackerCancelled},
	TrackerLocalPickup: {TrackerDelivered, TrackerCancelled},
	// A delivered parcel cannot travel again, but a tracker entered in error
	// can still be withdrawn.
	TrackerDelivered: {TrackerCancelled},
}

// CanTrackerTransition reports whether a tracker may move from one status to another.
func CanTrackerTransition(from, to TrackerStatus) bool {
	return allowed(trackerTransitions, from, to)
}

// Valid reports whether s is one of TrackerStatuses.
func (s TrackerStatus) Valid() bool {
	_, ok := trackerTransitions[s]
	return ok || s == TrackerCancelled
}

// Shipment directions and tracking number types (the values the API takes).
const (
	DirectionForward = "FORWARD"
	DirectionReturn  = "RETURN"

	TrackingNumberCarrier    = "CARRIER_PROVIDED"
	TrackingNumberE2EPartner = "E2E_PARTNER_PROVIDED"
)

// Tracker is one shipment of an order: what a merchant shows in a dispute to
// prove delivery. It is identified by the order and its tracking number,
// which is unique per order without regard to ASCII case (carriers print
// the same number in either case).
//
// The json tags are the stored format: the stores keep a Tracker as this JSON
// (testdata/stored_format.golden), so a tag must not change without a
// migration of the stored rows; a renamed Go field keeps its tag.
type Tracker struct {
	TrackerID          string            `json:"TrackerID"` // the gateway's id
	MerchantID         string            `json:"MerchantID"`
	OrderNo            string            `json:"OrderNo"`
	TradeNo            string            `json:"TradeNo"`    // the order's payment
	TrackingNo         string            `json:"TrackingNo"` // as the merchant first sent it
	Carrier            string            `json:"Carrier"`    // a code of Carriers, or another with CarrierNameOther
	CarrierNameOther   string            `json:"CarrierNameOther"`
	ShipmentDate       string            `json:"ShipmentDate"`      // YYYY-MM-DD
	ShipmentDirection  string            `json:"ShipmentDirection"` // FORWARD or RETURN
	Status             TrackerStatus     `json:"Status"`
	TrackingNumberType string            `json:"TrackingNumberType"`
	TrackingURL        string            `json:"TrackingURL"`
	Metadata           map[string]string `json:"Metadata"`
	MetadataText       string            `json:"MetadataText"` // metadata given as a string, instead of Metadata
	RequestHash        string            `json:"RequestHash"`  // keyed hash of the creating request, for replays
	Version            int64             `json:"Version"`      // compare-and-set counter
	History            []TrackerChange   `json:"History"`
	CreatedAt          time.Time         `json:"CreatedAt"`
	UpdatedAt          time.Time         `json:"UpdatedAt"`
}

// TrackerChange is one entry of a tracker's history: a field that changed,
// when, from what, to what, and the request that changed it. Creation is
// the change of "status" from "".
//
// Its json tags are part of the stored format of Tracker and must not change
// without a migration of the stored rows.
type TrackerChange struct {
	At        time.Time `json:"At"`
	Field     string    `json:"Field"` // status, carrier, trackingUrl, ..., metadata.<key>
	From      string    `json:"From"`
	To        string    `json:"To"`
	RequestID string    `json:"RequestID"`
}

// Transition moves t to status to at now and records it in the history. A
// change the transition table does not allow is invalid_state naming the
// current status; moving to the current status changes nothing.
func (t *Tracker) Transition(to TrackerStatus, now time.Time, requestID string) error {
	if to == t.Status {
		return nil
	}
	if !CanTrackerTransition(t.Status, to) {
		return invalidState("tracker", t.TrackingNo, string(t.Status), string(to))
	}
	t.Record("status", string(t.Status), string(to), now, requestID)
	t.Status = to
	return nil
}

// Record appends a change of field to t's history and marks t updated.
// Status changes go through Transition.
func (t *Tracker) Record(field, from, to string, now time.Time, requestID string) {
	t.History = append(t.History, TrackerChange{At: now, Field: field, From: from, To: to, RequestID: requestID})
	t.UpdatedAt = now
}

// Event returns the event recording a change of t whose status was from
// before it ("" for creation). Every change of a tracker is an event, even
// one that keeps its status, so each one is notified.
func (t *Tracker) Event(from TrackerStatus, requestID string) Event {
	return Event{MerchantID: t.MerchantID, ObjectType: "tracker", ObjectID: t.TrackerID,
		From: string(from), To: string(t.Status), RequestID: requestID, At: t.UpdatedAt}
}

// Carrier is a shipping carrier the gateway knows by code.
type Carrier struct {
	Code string
	Name string
	// URL is the tracking page with {trackingNo} in place of the number,
	// or "" when the carrier has no public page by number.
	URL string
}

// CarrierOther is the code for a carrier that is not in Carriers; the
// tracker then names it in CarrierNameOther.
const CarrierOther = "OTHER"

// Carriers lists the carriers known by code (PayPal's codes), in the order
// docs/tracking.md lists them. Any other code is accepted with
// CarrierNameOther, since PayPal's full list runs to hundreds.
var Carriers = []Carrier{
	{"2EBOX", "2ebox", ""},
	{"ARAMEX", "Aramex", "https://www.aramex.com/us/en/track/results?ShipmentNumber={trackingNo}"},
	{"AUSTRALIA_POST", "Australia Post", "https://auspost.com.au/mypost/track/#/details/{trackingNo}"},
	{"CANADA_POST", "Canada Post", "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={trackingNo}"},
	{"CHINA_POST", "China Post", ""},
	{"DHL", "DHL Express", "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={trackingNo}"},
	{"DPD", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{trackingNo}"},
	{"FEDEX", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={trackingNo}"},
	{"HK_POST", "Hongkong Post", ""},
	{"JAPAN_POST", "Japan Post", ""},
	{"LA_POSTE", "La Poste Colissimo", "https://www.laposte.fr/outils/suivre-vos-envois?code={trackingNo}"},
	{"ROYAL_MAIL", "Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{trackingNo}"},
	{"SF_EXPRESS", "SF Express", ""},
	{"SINGPOST", "Singapore Post", ""},
	{"TNT", "TNT", "https://www.tnt.com/express/en_gb/site/shipping-tools/tracking.html?searchType=con&cons={trackingNo}"},
	{"UPS", "UPS", "https://www.ups.com/track?tracknum={trackingNo}"},
	{"USPS", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={trackingNo}"},
	{"YANWEN", "Yanwen", ""},
}

// CarrierByCode returns the known carrier with code, if any.
func CarrierByCode(code string) (Carrier, bool) {
	for _, c := range Carriers {
		if c.Code == code {
			return c, true
		}
	}
	return Carrier{}, false
}

// CanonicalCarrier returns the listed code of the carrier that code names,
// matching the codes and the carriers' names without regard to case
// ("Fedex", "fedex" and "FedEx" are FEDEX, "Royal Mail" is ROYAL_MAIL); a
// code that names no listed carrier is returned as it is.
func CanonicalCarrier(code string) string {
	for _, c := range Carriers {
		if strings.EqualFold(c.Code, code) || strings.EqualFold(c.Name, code) {
			return c.Code
		}
	}
	return code
}

// TrackingURL returns the carrier's tracking page for a number, or "" when
// the carrier is not known or has no page. Tracking numbers hold only
// URL-safe characters, so the number goes in as is.
func TrackingURL(carrier, trackingNo string) string {
	c, ok := CarrierByCode(carrier)
	if !ok || c.URL == "" {
		return ""
	}
	return strings.ReplaceAll(c.URL, "{trackingNo}", trackingNo)
}

// TrackerStore keeps trackers. They are written through Change.Trackers.
type TrackerStore interface {
	// Tracker returns a tracker by the merchant's orderNo and its trackingNo,
	// compared without regard to ASCII case; ENotFound.
	Tracker(ctx context.Context, merchantID, orderNo, trackingNo string) (*Tracker, error)
	// Trackers lists an order's trackers, oldest first.
	Trackers(ctx context.Context, merchantID, orderNo string) ([]*Tracker, error)
}
