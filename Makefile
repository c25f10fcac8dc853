# sak — make targets. `make test` is what CI runs.
GO      ?= go
PKGS    ?= ./...

.PHONY: all build test vet fmt-check fuzz bench bench-scale clean e2e torture failover

all: build

# -buildvcs: 'sak version' names the commit even where GOFLAGS turns it off.
build:
	$(GO) build -buildvcs=auto -o bin/sak ./cmd/sak

# vet, then every test with the race detector, and the tests of the
# patched go-smtp in third_party (its own module). PostgreSQL tests run when
# SAK_TEST_POSTGRES holds a DSN (see .ci/run).
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	cd third_party/go-smtp && $(GO) test -race -count=1 ./...

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The fault tests alone (they also run in 'make test'): sak serve killed
# under load, PostgreSQL connections dropped, two daemons on one database.
torture:
	$(GO) test -count=1 -v -run . ./torture

# A real PostgreSQL failover under load: two throwaway clusters (primary
# and synchronous hot standby) on loopback ports, the primary stopped in
# immediate mode mid-load and the standby promoted (torture/failover_test.go).
# Needs PostgreSQL's server binaries; run as root, it runs them as postgres.
failover:
	SAK_TEST_FAILOVER=1 $(GO) test -count=1 -v -run '^TestFailover$$' ./torture

# Each fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)) third_party/go-smtp; do \
	  name=$$pkg dir=.; case $$pkg in third_party/*) dir=$$pkg pkg=.;; esac; \
	  for f in $$(cd $$dir && $(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$name $$f"; \
	    (cd $$dir && $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=10x $$pkg) || exit 1; \
	  done; \
	done

# End to end behind a throwaway Postfix on loopback ports (needs root;
# installs Debian's postfix when missing). See scripts/e2e.sh.
e2e: build
	scripts/e2e.sh

# Go benchmarks of the hot paths, then ingest against a null sink on
# SQLite and PostgreSQL and query timings on a 50,000-ticket store
# (generated once into .bench/); results are appended to BENCHMARKS.md.
# PostgreSQL is the local test database unless SAK_TEST_POSTGRES says.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
bench:
	SAK_TEST_POSTGRES="$${SAK_TEST_POSTGRES:-$(BENCH_PG)}" $(GO) test -run='^$$' -bench=. -benchmem -benchtime=2s ./parse/... ./smtpd/... ./mailstore/... ./importer/...
	TICKETS=50000 scripts/bench.sh

# The same at the seed scale: 700,000 tickets, about 5,000,000 mails.
bench-scale:
	TICKETS=700000 MSGS=10000 scripts/bench.sh

clean:
	rm -rf bin
