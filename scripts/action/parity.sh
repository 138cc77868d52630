#!/usr/bin/env bash
# The action's parity step: every ParityPolicy (or those in INPUT_PARITY_POLICIES), readable in
# the log, as markdown in the job summary, and as one SARIF report in the reports folder. The
# exit code goes to the step's outputs; the gate step decides.
set -euo pipefail
if [ "${INPUT_PARITY:?}" = false ]; then
  echo "exit=skipped" >> "${GITHUB_OUTPUT:?}"
  exit 0
fi
read -r -d '' -a policies <<< "${INPUT_PARITY_POLICIES:-}" || true
# A policy file runs itself; the repository's root runs every policy below it.
[ ${#policies[@]} -gt 0 ] || policies=(.)
sarif="${AZFN_REPORTS:?}/azfn-parity.sarif"
status=0
azfn parity --affected "${policies[@]}" --color never || true
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  azfn parity --affected "${policies[@]}" --format markdown >> "$GITHUB_STEP_SUMMARY" 2>/dev/null || true
fi
azfn parity --affected "${policies[@]}" --format sarif > "$sarif" || status=$?
{
  echo "exit=$status"
  if [ -s "$sarif" ]; then echo "sarif=$sarif"; fi
} >> "$GITHUB_OUTPUT"
