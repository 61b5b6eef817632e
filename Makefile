# The few commands everybody runs. `make test` is what CI runs (.ci/run).
GO ?= go
# Fuzz budgets are execution counts, not durations: on Go 1.26 a duration
# budget can end in a spurious "context deadline exceeded" (golang/go#75804).
FUZZN ?= 100000x
FUZZN_HTTP ?= 10000x

# The packages with concurrency (the gateway's retries and guards, the
# stores' group commit, the HTTP layer) run under the race detector.
RACE_PKGS = ./gateway/ ./sqlite/ ./postgres/ ./groupcommit/ ./http/ ./wire/ ./notify/

.PHONY: run test vet fuzz build

run:
	$(GO) run ./cmd/paygate serve

build:
	$(GO) build -o bin/paygate ./cmd/paygate

# Every test: vet, the unit and end-to-end suites, then each fuzz target briefly.
# The PostgreSQL tests run against $PAYGATE_TEST_POSTGRES if set, or else a
# throwaway server .ci/postgres starts (and stops, even when tests fail); where
# none can be started they skip, or fail under CI=true.
test: vet
	@if [ -z "$$PAYGATE_TEST_POSTGRES" ]; then \
		if env=$$(.ci/postgres start); then \
			eval "$$env"; \
			trap '.ci/postgres stop "$$PAYGATE_TEST_POSTGRES_DIR"' EXIT; \
			trap 'exit 130' INT TERM; \
		else \
			echo "make test: no PostgreSQL server; the PostgreSQL tests will skip (fail under CI=true)"; \
		fi; \
	fi; \
	status=0; \
	echo "$(GO) test -count=1 -race $(RACE_PKGS)"; \
	$(GO) test -count=1 -race $(RACE_PKGS) || status=1; \
	others=$$($(GO) list ./... | grep -v -x -F $(foreach p,$(RACE_PKGS),-e paygate/$(patsubst ./%/,%,$(p)))); \
	echo "$(GO) test -count=1" $$others; \
	$(GO) test -count=1 $$others || status=1; \
	exit $$status
	$(MAKE) fuzz

vet:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fuzz:
	$(GO) test ./card/ -run='^$$' -fuzz='^FuzzCheckNumber$$' -fuzztime=$(FUZZN)
	$(GO) test ./card/ -run='^$$' -fuzz='^FuzzCheckExpiry$$' -fuzztime=$(FUZZN)
	$(GO) test . -run='^$$' -fuzz='^FuzzParseAmount$$' -fuzztime=$(FUZZN)
	$(GO) test ./vault/ -run='^$$' -fuzz='^FuzzOpen$$' -fuzztime=$(FUZZN)
	$(GO) test ./http/ -run='^$$' -fuzz='^FuzzDecodePayment$$' -fuzztime=$(FUZZN_HTTP)
	$(GO) test ./http/ -run='^$$' -fuzz='^FuzzTrackerBatch$$' -fuzztime=$(FUZZN_HTTP)
	$(GO) test ./http/ -run='^$$' -fuzz='^FuzzDecodeNesting$$' -fuzztime=$(FUZZN_HTTP)
	$(GO) test ./http/ -run='^$$' -fuzz='^FuzzTrackerUpdate$$' -fuzztime=$(FUZZN_HTTP)
	$(GO) test ./notify/ -run='^$$' -fuzz='^FuzzVerify$$' -fuzztime=$(FUZZN)
	$(GO) test ./notify/ -run='^$$' -fuzz='^FuzzCheckTarget$$' -fuzztime=$(FUZZN)
	$(GO) test ./notify/ -run='^$$' -fuzz='^FuzzIsPublic$$' -fuzztime=$(FUZZN)
	$(GO) test ./acquirer/ -run='^$$' -fuzz='^FuzzParseEMV$$' -fuzztime=$(FUZZN)
	$(GO) test ./acquirer/ -run='^$$' -fuzz='^FuzzOpenToken$$' -fuzztime=$(FUZZN)
	$(GO) test ./acquirer/stripe/ -run='^$$' -fuzz='^FuzzParseWebhook$$' -fuzztime=$(FUZZN_HTTP)
