GO ?= go
FUZZTIME ?= 10m

# PLATFORMS are the GOOS/GOARCH pairs rulec builds, vets and tests on.
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

# VERSION is stamped into release binaries (rulec version) and names the archives.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
DIST ?= dist

.PHONY: test cross bench fuzz fmt vet dist dist-check readme-check

## test: vet and run every test (conformance tests read ../shared when present)
test:
	$(GO) vet ./...
	$(GO) test -timeout 30m ./...

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

## dist: release archives for PLATFORMS in $(DIST)/ (tar.gz, zip for windows) and SHA256SUMS, reproducibly
dist:
	$(GO) run ./internal/dist -version $(VERSION) -o $(DIST) -platforms "$(PLATFORMS)"

## dist-check: export HEAD into two folders, build the archives in each (the second with an empty
## build cache when DIST_CHECK_COLD=1) and compare SHA256SUMS; check the host binary's stamped version
dist-check:
	@set -e; tmp=$$(mktemp -d); trap 'chmod -R u+w "$$tmp"; rm -rf "$$tmp"' EXIT; \
	export SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct); \
	for s in a b; do mkdir -p "$$tmp/src-$$s"; git archive HEAD | tar -x -C "$$tmp/src-$$s"; done; \
	(cd "$$tmp/src-a" && $(GO) run ./internal/dist -version $(VERSION) -o "$$tmp/a" -platforms "$(PLATFORMS)"); \
	if [ -n "$(DIST_CHECK_COLD)" ]; then export GOCACHE="$$tmp/cache"; fi; \
	(cd "$$tmp/src-b" && $(GO) run ./internal/dist -version $(VERSION) -o "$$tmp/b" -platforms "$(PLATFORMS)"); \
	cmp "$$tmp/a/SHA256SUMS" "$$tmp/b/SHA256SUMS" || { diff "$$tmp/a/SHA256SUMS" "$$tmp/b/SHA256SUMS"; echo "dist-check: archives differ between two builds"; exit 1; }; \
	(cd "$$tmp/a" && { sha256sum -c SHA256SUMS >/dev/null 2>&1 || shasum -a 256 -c SHA256SUMS >/dev/null; }); \
	host="$$($(GO) env GOOS)-$$($(GO) env GOARCH)"; \
	if [ -f "$$tmp/a/rulec-$(VERSION)-$$host.tar.gz" ]; then \
		tar -xzf "$$tmp/a/rulec-$(VERSION)-$$host.tar.gz" -C "$$tmp"; \
		v=$$("$$tmp/rulec-$(VERSION)-$$host/rulec" version); \
		case "$$v" in *"$(VERSION)"*) ;; *) echo "dist-check: rulec version says $$v, want $(VERSION)"; exit 1;; esac; \
	fi; \
	echo "dist-check: $$(wc -l < "$$tmp/a/SHA256SUMS") archives identical over two builds of HEAD in two folders, version $(VERSION)"; cat "$$tmp/a/SHA256SUMS"

## bench: run every benchmark with allocation counts
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# FUZZ_VMEM_KB bounds the virtual memory of each fuzz run (ulimit -v, KiB; default 8 GiB) and FUZZ_GOMEMLIMIT
# the Go heap of each process (GOMEMLIMIT): an input that makes the code allocate without bound fails the run
# with an out-of-memory crash the fuzzer records, instead of taking the machine.
FUZZ_VMEM_KB ?= 8388608
FUZZ_GOMEMLIMIT ?= 1GiB
FUZZ = ulimit -v $(FUZZ_VMEM_KB) && GOMEMLIMIT=$(FUZZ_GOMEMLIMIT) $(GO) test

## fuzz: run each fuzz target for FUZZTIME (default 10m) under a memory limit
fuzz:
	$(FUZZ) ./frontend/ -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	$(FUZZ) ./frontend/condition/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(FUZZ) ./engine/logs/ -run '^$$' -fuzz '^FuzzReaders$$' -fuzztime $(FUZZTIME)
	$(FUZZ) ./engine/logs/ -run '^$$' -fuzz '^FuzzEVTXRecord$$' -fuzztime $(FUZZTIME)
	$(FUZZ) ./pipeline/ -run '^$$' -fuzz '^FuzzParseApply$$' -fuzztime $(FUZZTIME)

fmt:
	gofmt -w $$(git ls-files '*.go')
