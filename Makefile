# The few commands everybody runs. `make test` is what CI runs (.ci/run).
GO ?= go
FUZZTIME ?= 3s

.PHONY: run test vet fuzz build

run:
	$(GO) run ./cmd/paygate serve

build:
	$(GO) build -o bin/paygate ./cmd/paygate

# Every test: vet, the unit and end-to-end suites, then each fuzz target briefly.
test: vet
	$(GO) test -count=1 ./...
	$(MAKE) fuzz

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fuzz:
	$(GO) test ./card/ -run='^$$' -fuzz='^FuzzCheckNumber$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./card/ -run='^$$' -fuzz='^FuzzCheckExpiry$$' -fuzztime=$(FUZZTIME)
	$(GO) test . -run='^$$' -fuzz='^FuzzParseAmount$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./vault/ -run='^$$' -fuzz='^FuzzOpen$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./http/ -run='^$$' -fuzz='^FuzzDecodePayment$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./notify/ -run='^$$' -fuzz='^FuzzVerify$$' -fuzztime=$(FUZZTIME)
