GO ?= go
FUZZTIME ?= 10m

.PHONY: test bench fuzz fmt vet

## test: vet and run every test (conformance tests read ../shared when present)
test:
	$(GO) vet ./...
	$(GO) test ./...

## bench: run every benchmark with allocation counts
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run each fuzz target for FUZZTIME (default 10m)
fuzz:
	$(GO) test ./frontend/ -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	$(GO) test ./frontend/condition/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine/logs/ -run '^$$' -fuzz '^FuzzReaders$$' -fuzztime $(FUZZTIME)

fmt:
	gofmt -w $$(git ls-files '*.go')
