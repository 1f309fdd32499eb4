# domainsync — see README.md.
GO        ?= go
PKG       := github.com/domainsync/domainsync
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS    = -s -w -X $(PKG)/cmd.Version=$(VERSION) -X $(PKG)/cmd.Commit=$(COMMIT)
# Each fuzz target runs this many inputs in `make test` (a short seed run; a count
# rather than a duration avoids go1.26's spurious "context deadline exceeded", golang/go#75804);
# `make fuzz FUZZTIME=5m` runs them longer.
FUZZTIME  ?= 3000x

.PHONY: all build test test-repeat unit fuzz demo-test lint demo bench bench-reconcile reliability clean install docs package

all: lint test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/domainsync .

# Every test (unit, MariaDB integration, end-to-end), then a short run of every fuzz target.
test: unit fuzz demo-test

# `make test` N times in a row (default 5), stopping at the first failure,
# with the time each run took and the total. CI=true (unless set) makes a
# test that cannot reach MariaDB fail instead of skipping, so that a run
# without the database does not count as a pass.
N ?= 5
test-repeat:
	@total=$$(date +%s); i=1; while [ $$i -le $(N) ]; do \
	  start=$$(date +%s); \
	  if CI=$${CI:-true} $(MAKE) --no-print-directory test; then \
	    echo "test-repeat: run $$i of $(N) passed in $$(( $$(date +%s) - start )) s"; \
	  else \
	    echo "test-repeat: run $$i of $(N) FAILED after $$(( $$(date +%s) - start )) s"; exit 1; \
	  fi; \
	  i=$$((i + 1)); \
	done; echo "test-repeat: $(N) of $(N) runs passed in $$(( $$(date +%s) - total )) s"

# The demo and the whmcsdb package on its embedded engine (build tag demo).
demo-test:
	$(GO) test -count=1 -tags demo -run 'Demo|Embedded|Schema|Statements' ./whmcsdb/embedded ./cmd

# (./... leaves out testdata/: the benchmark's heap profiler is named.)
unit:
	$(GO) test -count=1 -timeout 8m ./... ./testdata/bench/...

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
	$(GO) vet ./... ./testdata/bench/...
	$(GO) vet -tags memprofile .

clean:
	rm -rf bin dist

# The README's first command: a real sync against an embedded WHMCS and a simulated
# Openprovider; needs only Go (the demo build tag carries the embedded engine).
demo:
	$(GO) run -tags demo . demo

# Install the binary to $(DESTDIR)$(PREFIX)/bin and, only when absent, the
# example configuration (mode 0600: it holds passwords) to
# $(DESTDIR)$(SYSCONFDIR)/domainsync/domainsync.yaml.
PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
install: build
	install -d -m 0755 $(DESTDIR)$(PREFIX)/bin
	install -m 0755 bin/domainsync $(DESTDIR)$(PREFIX)/bin/domainsync
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/domainsync
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/domainsync/domainsync.yaml ]; then \
	  echo "keeping the existing $(DESTDIR)$(SYSCONFDIR)/domainsync/domainsync.yaml"; \
	else \
	  install -m 0600 contrib/domainsync.example.yaml $(DESTDIR)$(SYSCONFDIR)/domainsync/domainsync.yaml; \
	fi

# Release packages in dist/ (packaging/package.sh): .deb, .rpm and .tar.gz for
# each of PKG_ARCHS, and SHA256SUMS. The version comes from the git tag
# (packaging/version.sh) and is stamped into the binaries with the commit.
# nfpm runs through `go run` at a pinned version: nothing to install, no go.mod entry.
PKG_VERSION    ?= $(shell sh packaging/version.sh)
PKG_ARCHS      ?= amd64 arm64
PKG_MAINTAINER ?= the domainsync authors <maintainers@domainsync.invalid>
NFPM           ?= $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
package: VERSION = $(PKG_VERSION)
package:
	PKG_VERSION='$(PKG_VERSION)' PKG_ARCHS='$(PKG_ARCHS)' PKG_MAINTAINER='$(PKG_MAINTAINER)' \
	  LDFLAGS='$(LDFLAGS)' GO='$(GO)' NFPM='$(NFPM)' bash packaging/package.sh dist

# Man pages (docs/man/) and shell completions (docs/completion/) from the cobra commands.
docs:
	rm -rf docs/man docs/completion
	$(GO) run . gen-docs docs

# Benchmark harness (see BENCHMARKS.md): seeds MariaDB (DOMAINSYNC_TEST_DSN or
# root@127.0.0.1:3306), serves the simulated Openprovider with injected latency,
# runs the real binary at its default client settings and prints the tables,
# the rate-enforcing (10 requests a second) and the 20%-HTTP-500 runs included.
# BENCH_FLAGS e.g. -sizes 1000,10000,100000, or -tuned (rate_limit 1000, concurrency 8).
BENCH_FLAGS ?= -sizes 1000,10000 -latency 50ms -differ 0.10 -push 0.045
bench:
	$(GO) run ./testdata/bench $(BENCH_FLAGS)
	$(MAKE) bench-reconcile

# `domainsync reconcile` wall time and child peak RSS (BENCHMARKS.md,
# "Reconcile"): Openprovider, 1k/10k/100k, about a minute and a half.
RECONCILE_BENCH_FLAGS ?= -sizes 1000,10000,100000 -latency 50ms
bench-reconcile:
	$(GO) run ./testdata/bench -reconcile $(RECONCILE_BENCH_FLAGS)

# The reliability trials (RELIABILITY.md): 10 overlapping processes (2,500
# domains) and kill -9 at random moments of a 10,000-domain --all run (20
# trials; the real binary as subprocesses), then the quick fault tests.
# About 12 minutes on 2 cores. DOMAINSYNC_RELIABILITY_DOMAINS and
# DOMAINSYNC_RELIABILITY_TRIALS scale them.
reliability:
	@out=$$(mktemp); $(GO) test -tags reliability -count=1 -timeout 40m -v -run '^TestReliability' ./cmd >$$out 2>&1; rc=$$?; \
	  grep -vE '^=== ' $$out; rm -f $$out; exit $$rc
	$(GO) test -count=1 -run '^TestFaults' ./cmd
