# Targets:
#   make run        the quick start (a write and a read through kernel AIO)
#   make test       host tests, cross-arch checks, then the VM tests
#   make gen        regenerate the per-architecture files
#   make check-gen  regenerate and fail if anything changed
#   make lint       gofmt, go vet, staticcheck
#   make vmtest     the VM tests alone (ARCHES="amd64 arm64" by default)

GO          ?= go
ARCHES      ?= amd64 arm64
CROSS_ARCHES = arm64
STATICCHECK  = honnef.co/go/tools/cmd/staticcheck@v0.8.2
NESTED       = vmtests cmd/aiobench

.PHONY: run gen gen-deps check-gen test test-host cross lint vmtest bench

run:
	$(GO) run ./examples/quickstart

gen-deps:
	@missing=""; for p in $$($(GO) run ./gen -packages); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

gen: gen-deps
	$(GO) run ./gen

check-gen: gen
	@git diff --exit-code -- 'z*_linux_*.go' || { echo "generated files are stale: run make gen and commit them"; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- 'z*_linux_*.go'); \
	if [ -n "$$untracked" ]; then echo "generated files not committed: $$untracked"; exit 1; fi

test: test-host cross

test-host:
	$(GO) test -race -count=1 ./...

cross:
	@for a in $(CROSS_ARCHES); do \
		echo "GOARCH=$$a: vet and test build"; \
		GOARCH=$$a $(GO) vet ./... && GOARCH=$$a $(GO) test -c -o /dev/null . || exit 1; \
	done

lint:
	@out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@for m in $(NESTED); do \
		[ -f $$m/go.mod ] || continue; \
		echo "lint $$m"; \
		(cd $$m && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...) || exit 1; \
	done

vmtest:
	./vmtests/run.sh $(ARCHES)
