# domainsync — see README.md.
GO        ?= go
PKG       := github.com/domainsync/domainsync
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X $(PKG)/cmd.Version=$(VERSION) -X $(PKG)/cmd.Commit=$(COMMIT)
# Each fuzz target runs this many inputs in `make test` (a short seed run; a count
# rather than a duration avoids go1.26's spurious "context deadline exceeded", golang/go#75804);
# `make fuzz FUZZTIME=5m` runs them longer.
FUZZTIME  ?= 3000x

.PHONY: all build test unit fuzz lint demo bench reliability clean

all: lint test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/domainsync .

# Every test (unit, MariaDB integration, end-to-end), then a short run of every fuzz target.
test: unit fuzz

unit:
	$(GO) test -count=1 -timeout 8m ./...

# Runs each `func FuzzXxx` for FUZZTIME (go test -fuzz takes one target per run).
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  dir=$$(dirname $$f); \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | sed 's/^func //'); do \
	    echo "fuzz $$dir $$t ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$dir >/dev/null || \
	      { $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$dir; exit 1; }; \
	  done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin

# The README's first command: a real sync against an embedded WHMCS and a simulated
# Openprovider; needs only Go (the demo build tag carries the embedded engine).
demo:
	$(GO) run -tags demo . demo
