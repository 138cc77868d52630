#!/usr/bin/env bash
# make bench: runs the benchmark harnesses (tests/benches/krm.rs, build.rs, parity.rs) against the release binaries
# (under the release profile, so nothing `make build` compiled is compiled again),
# then the browser preview's keystroke-to-view benchmark (web/bench/keystroke.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked --profile release -p azfn-tests --bench krm
cargo bench --locked --profile release -p azfn-tests --bench build
cargo bench --locked --profile release -p azfn-tests --bench parity
cargo bench --locked --profile release -p azfn-tests --bench repo
AZFN_BIN="$PWD/target/release/azfn" node web/bench/keystroke.mjs
