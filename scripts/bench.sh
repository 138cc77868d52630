#!/usr/bin/env bash
# make bench: runs the benchmark harnesses (tests/benches/krm.rs, build.rs, parity.rs) against the release binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked -p azfn-tests --bench krm
cargo bench --locked -p azfn-tests --bench build
cargo bench --locked -p azfn-tests --bench parity
