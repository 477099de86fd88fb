# Targets:
#   make run        aiobench's default run, about 20 s: 4 KiB random reads on a temporary file here
#                   through the aio package's two APIs, plain Go's os.File pool and fio, explained
#   make quickstart the quick start (a write and a read through kernel AIO)
#   make test       host tests, cross-arch checks, then the VM tests
#   make gen        regenerate the per-architecture files
#   make check-gen  regenerate and fail if anything changed
#   make lint       gofmt, go vet, staticcheck
#   make vmtest     the VM tests alone: ARCHES=all KERNELS=all for the whole matrix
#   make bench      Go benchmarks, then aiobench -compare -goals on a loop device and a disk
#                   file: reads, writes, durable writes and the logs of examples/wal; the
#                   streams against fio, cp and dd (bench/streams.sh); Pebble (contrib/pebblevfs);
#                   thousands of reads in flight on a disk with a cloud disk's latency
#                   (bench/cloud.sh, bench/clouddisk) (root)
#   make fuzz       FuzzRequest and the wal's FuzzRecover for FUZZTIME (1m) each beyond their
#                   seeds, which every test run tries (make test also fuzzes FuzzRecover for 20s)

SHELL       := /bin/bash
GO          ?= go
# The VM tests' architectures and kernels (space-separated, or all); the
# default set is internal/platform's DefaultRuns. KERNELS empty means each
# architecture's default kernel; KERNELS without ARCHES is for amd64.
ARCHES      ?=
KERNELS     ?=
STATICCHECK  = honnef.co/go/tools/cmd/staticcheck@v0.8.2
NESTED       = vmtests cmd/aiobench
# Nested modules outside go.work, built on their own (GOWORK=off) so that
# their dependencies never enter the workspace's module graph.
CONTRIB      = contrib/pebblevfs bench/clouddisk

FUZZTIME    ?= 1m
# The bounded run of the wal's recovery fuzzer that make test does.
TEST_FUZZTIME ?= 20s

.PHONY: run quickstart gen gen-deps check-gen test test-host cross lint vmtest bench fuzz

run:
	cd cmd/aiobench && $(GO) run . -dir $(CURDIR)

quickstart:
	$(GO) run ./examples/quickstart

gen-deps:
	@missing=""; for p in $$($(GO) run ./gen -packages); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The generator also fetches the UAPI headers of Debian unstable into
# gen/.headers/ unless they are cached there (gen/headers.go).
gen: gen-deps
	$(GO) run ./gen

check-gen: gen
	@git diff --exit-code -- 'z*_linux_*.go' || { echo "generated files are stale: run make gen and commit them"; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- 'z*_linux_*.go'); \
	if [ -n "$$untracked" ]; then echo "generated files not committed: $$untracked"; exit 1; fi

test: test-host cross vmtest

# The race detector slows TestLoad down, so it issues a tenth of its requests
# there; the full million runs without it. The same for the pebble test's
# million keys (-short writes a tenth). The wal's recovery fuzzer runs for
# TEST_FUZZTIME under the race detector beyond its seeds.
test-host:
	@command -v gcc >/dev/null && command -v fio >/dev/null && command -v mkfs.xfs >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev fio xfsprogs; }
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run '^TestLoad$$' .
	$(GO) test -race -run '^$$' -fuzz '^FuzzRecover$$' -fuzztime $(TEST_FUZZTIME) ./examples/wal
	cd cmd/aiobench && $(GO) test -race -count=1 ./...
	@for m in $(CONTRIB); do \
		echo "test $$m"; \
		(cd $$m && GOWORK=off $(GO) test -race -short -count=1 ./... && GOWORK=off $(GO) test -count=1 ./...) || exit 1; \
	done

# Every architecture of internal/platform (go run ./gen -arches): go vet and a
# test build, then the layout tests under its QEMU user-mode emulator where it
# has one (user mode has no AIO, so only they run there, with the BLKSSZGET
# test, which reads a C int that big-endian machines misread as a Go int).
# A skip there fails: the BLKSSZGET test needs a block device it can open.
cross:
	@command -v qemu-s390x-static >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user-static; }
	@host=$$($(GO) env GOHOSTARCH); $(GO) run ./gen -arches | while read -r a emulator; do \
		echo "GOARCH=$$a: vet and test build"; \
		GOARCH=$$a $(GO) vet ./... && GOARCH=$$a $(GO) test -c -o /tmp/aio-cross-$$a.test . || exit 1; \
		[ "$$a" != "$$host" ] || continue; \
		if [ "$$emulator" = - ]; then echo "GOARCH=$$a: no user-mode emulator"; continue; fi; \
		echo "GOARCH=$$a: layout tests under $$emulator"; \
		out=$$($$emulator /tmp/aio-cross-$$a.test -test.run '^(TestLayout|TestPrepareUsesRWFlags|TestLogicalBlockSize)$$' -test.v -test.count=1); rc=$$?; \
		grep -E '^(--- |ok|PASS|FAIL)' <<<"$$out"; \
		[ $$rc -eq 0 ] || exit 1; \
		! grep -q -- '--- SKIP' <<<"$$out" || { echo "GOARCH=$$a: a test skipped under $$emulator"; exit 1; }; \
	done
	@rm -f /tmp/aio-cross-*.test

lint:
	@out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@for m in $(NESTED); do \
		[ -f $$m/go.mod ] || continue; \
		echo "lint $$m"; \
		(cd $$m && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...) || exit 1; \
	done
	@for m in $(CONTRIB); do \
		echo "lint $$m"; \
		(cd $$m && GOWORK=off $(GO) vet ./... && GOWORK=off $(GO) run $(STATICCHECK) ./...) || exit 1; \
	done

# TestVM installs QEMU and what else it runs, if missing, and fetches the
# kernels (vmtests/kernels/fetch.sh).
vmtest:
	cd vmtests && AIO_VMTEST=1 AIO_VMTEST_ARCHES="$(ARCHES)" AIO_VMTEST_KERNELS="$(KERNELS)" \
		$(GO) test -v -count=1 -timeout 85m .

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 .
	./bench/bench.sh
	./bench/streams.sh
	./contrib/pebblevfs/bench.sh
	./bench/cloud.sh

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRequest$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzRecover$$' -fuzztime $(FUZZTIME) ./examples/wal
