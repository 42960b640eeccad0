GO ?= go
FUZZTIME ?= 10m

# PLATFORMS are the GOOS/GOARCH pairs rulec builds, vets and tests on.
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: test cross bench fuzz fmt vet

## test: vet and run every test (conformance tests read ../shared when present)
test:
	$(GO) vet ./...
	$(GO) test ./...

## cross: for each of PLATFORMS, vet every package, build every command and compile every test binary
cross:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; mkdir -p "$$tmp/$$os-$$arch/test"; \
		GOOS=$$os GOARCH=$$arch $(GO) vet ./...; \
		GOOS=$$os GOARCH=$$arch $(GO) build -o "$$tmp/$$os-$$arch/" ./...; \
		GOOS=$$os GOARCH=$$arch $(GO) test -c -o "$$tmp/$$os-$$arch/test/" ./... >"$$tmp/test.log" || { cat "$$tmp/test.log"; exit 1; }; \
		echo "cross $$os/$$arch: vet, build ($$(ls "$$tmp/$$os-$$arch" | grep -v '^test$$' | paste -sd ' ' -)) and $$(ls "$$tmp/$$os-$$arch/test" | wc -l) test binaries ok"; \
	done

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
