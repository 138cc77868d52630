#!/usr/bin/env bash
# make test: a `make build` right after one must change nothing: no npm install, no wasm-bindgen
# or wasm-opt, no vite build (web/dist keeps its files and their mtimes) and no relink of the
# azfn binary (which embeds web/dist). Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(find web/dist target/release/azfn -type f -printf '%p %T@\n' | LC_ALL=C sort)
started=$(date +%s%N)
log=$(${MAKE:-make} --no-print-directory build 2>&1)
took_ms=$((($(date +%s%N) - started) / 1000000))
after=$(find web/dist target/release/azfn -type f -printf '%p %T@\n' | LC_ALL=C sort)
fail() { echo "a make build with nothing changed $1" >&2; echo "$log" >&2; exit 1; }
[ "$before" = "$after" ] || fail "rewrote web/dist or target/release/azfn: $(diff <(echo "$before") <(echo "$after") | head -5)"
for step in "web/node_modules: up to date" "web/pkg: up to date" "web/pkg-rego: up to date" "web/dist: up to date"; do
  grep -qF "$step" <<<"$log" || fail "did not find \"$step\""
done
if grep -E "Compiling azfn-(host|core|krm)|^wasm-bindgen |wasm-opt -O3|npm ci|vite v" <<<"$log"; then
  fail "did work again (above)"
fi
echo "make build with nothing changed: ${took_ms} ms, nothing rebuilt"
