package wire

import (
	"net/http"

	"paygate"
)

// HTTPStatus is the HTTP status of an error code, for the JSON API and the
// pages alike: the one place a code becomes a status.
func HTTPStatus(code string) int {
	switch code {
	case paygate.EInvalidJSON, paygate.EInvalidParameter:
		return http.StatusBadRequest
	case paygate.EUnauthorized:
		return http.StatusUnauthorized
	case paygate.ENotFound:
		return http.StatusNotFound
	case paygate.EMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case paygate.EDuplicateOrderNo, paygate.EDuplicateRefundNo, paygate.EDuplicateTracking, paygate.EIdempotencyReused,
		paygate.EInvalidState, paygate.EConflict:
		return http.StatusConflict
	case paygate.EAmountExceeded, paygate.ELimitExceeded, paygate.ENoRoute:
		return http.StatusUnprocessableEntity
	case paygate.ERateLimited:
		return http.StatusTooManyRequests
	case paygate.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
