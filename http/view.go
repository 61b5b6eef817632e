package http

// The JSON shapes of the API. Field names follow the seed document; amounts
// are decimal strings with the currency's full number of fraction digits.
