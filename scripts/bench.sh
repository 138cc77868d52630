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
status=0
AZFN_BIN="$PWD/target/release/azfn" node web/bench/keystroke.mjs || status=$?
# The figures the issue sets targets for, from this run, in one table.
{
  echo
  echo "## Targets (issue 18): this run"
  echo
  echo "| figure | measured | target | | instructions |"
  echo "|---|---|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' target/bench-figures.tsv
} | tee -a target/bench-report.md
exit "$status"
