# azfn: the one entry point. `make demo` and `make test` work on a fresh machine of this kind:
# they install what they need (rustup targets, wasm-bindgen-cli, npm packages, Chromium).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
GUEST := target/wasm32-wasip1/release/azfn-krm.wasm
AZFN := target/release/azfn
export AZFN_GUEST_WASM := $(CURDIR)/$(GUEST)
export AZFN_BIN := $(CURDIR)/$(AZFN)
export AZFN_IMAGE ?= localhost/azfn:$(VERSION)
export CARGO_TERM_COLOR ?= never

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- setup (idempotent)
setup-rust: ## rustup targets for the WASI module and the browser build
	rustup target add wasm32-wasip1 wasm32-unknown-unknown

setup-wasm-bindgen: ## wasm-bindgen-cli at exactly the wasm-bindgen crate's version
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  $(CARGO) install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION); \
	fi

setup-web: ## npm packages from the committed lockfile (installed again only when it changed)
	@if ! cmp -s web/package-lock.json web/node_modules/.azfn-installed-lock; then \
	  (cd web && npm ci --no-audit --no-fund) && cp web/package-lock.json web/node_modules/.azfn-installed-lock; \
	else echo "web/node_modules: up to date"; fi

setup-chromium: ## Debian's Chromium for the browser tests
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

setup-valgrind: ## Debian's valgrind: callgrind counts instructions for make bench
	@if ! command -v valgrind >/dev/null; then \
	  echo "installing valgrind"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; \
	fi

PRE_COMMIT_VERSION := 4.7.0
setup-precommit: ## pre-commit from PyPI, for the hook tests
	@command -v pre-commit >/dev/null || { echo "installing pre-commit $(PRE_COMMIT_VERSION)"; \
	  python3 -m pip install --quiet --root-user-action=ignore pre-commit==$(PRE_COMMIT_VERSION); }

setup-tools: ## check the real tools the end-to-end tests drive are present
	@command -v kpt >/dev/null || { echo "kpt is required (kpt 1.0.0-beta.56)"; exit 1; }
	@command -v kubectl >/dev/null || { echo "kubectl (with kustomize v5.5.0) is required"; exit 1; }

# ---------------------------------------------------------------- build
guest: setup-rust ## the KRM function compiled to wasm32-wasip1
	$(CARGO) build --locked --release -p azfn-krm --target wasm32-wasip1

build: guest web ## the module and the preview page, then target/release/azfn with both embedded
	$(CARGO) build --locked --release --workspace --all-targets

image: guest web ## the container image (static musl binary, FROM scratch, podman; local only), built twice to prove the digest
	scripts/image.sh --verify

check-wasm: setup-rust ## prove azfn-core builds for both wasm targets
	$(CARGO) build --locked --release -p azfn-core --target wasm32-wasip1
	$(CARGO) build --locked --release -p azfn-core --target wasm32-unknown-unknown

wasm: setup-rust setup-wasm-bindgen setup-web ## browser bindings into web/pkg and web/pkg-rego (profile web: size first), shrunk by wasm-opt (binaryen from npm)
	scripts/wasm-module.sh web/pkg
	scripts/wasm-module.sh web/pkg-rego --features rego

web: wasm ## the static preview page into web/dist (embedded by the azfn binary: `azfn serve`); rebuilt only when its inputs changed
	scripts/web-dist.sh

# ---------------------------------------------------------------- quality
lint: guest web ## rustfmt, clippy (native and wasm32), warnings are errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) clippy --locked -p azfn-core -p azfn-wasm --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) clippy --locked -p azfn-wasm --features rego --target wasm32-unknown-unknown -- -D warnings

test: setup-tools setup-precommit web lint check-wasm build image setup-chromium ## everything CI runs
	scripts/check-noop-build.sh
	$(CARGO) nextest run --locked --release --workspace --no-fail-fast
	cd web && npm test
	$(CARGO) run --locked --release -q -p azfn-tests --bin conformance -- --summary

conformance: ## kustomize's own test suite (../shared/conformance/kustomize): score and failures by feature
	$(CARGO) run --locked --release -q -p azfn-tests --bin conformance

fuzz-diff: setup-tools build ## azfn build vs kubectl kustomize on many random trees (AZFN_FUZZ_SEEDS, default 500)
	AZFN_FUZZ_SEEDS=$${AZFN_FUZZ_SEEDS:-500} AZFN_FUZZ_START=$${AZFN_FUZZ_START:-1000} \
	  $(CARGO) nextest run --locked --release -p azfn-tests -E 'binary(differential)' --no-capture

fuzz: ## libFuzzer over each parser and renderer (FUZZ_SECONDS per target, default 60; FUZZ_TARGETS); corpus minimized into fuzz/corpus, replayed by make test
	scripts/fuzz.sh

demo: setup-tools build ## build the example with kustomize and kpt, and show a failing build
	scripts/demo.sh

bench: setup-tools build setup-chromium setup-valgrind ## start-up, throughput, wasm vs native, cost under kpt, overlay rendering vs kubectl, keystroke to view in the browser (report in target/bench-report.md)
	scripts/bench.sh

serve: build ## the browser preview at http://127.0.0.1:8421/ (azfn serve)
	$(AZFN) serve

clean: ## remove build outputs
	$(CARGO) clean
	rm -rf web/dist web/pkg web/pkg-rego web/node_modules

.PHONY: fuzz image help setup-precommit setup-valgrind setup-rust setup-wasm-bindgen setup-web setup-chromium setup-tools guest build check-wasm wasm web lint test demo bench serve clean
