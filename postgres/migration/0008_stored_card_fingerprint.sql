-- Token payments that name the card by its number find it by fingerprint.
CREATE INDEX stored_cards_fingerprint ON stored_cards (merchant_id, fingerprint) WHERE status = 'ACTIVE';
