#!/usr/bin/env bash
# The action's check step: `azfn check` of INPUT_PATHS, readable in the log and as SARIF in the
# reports folder. The exit code goes to the step's outputs; the gate step decides.
set -euo pipefail
if [ "${INPUT_CHECK:?}" = false ]; then
  echo "exit=skipped" >> "${GITHUB_OUTPUT:?}"
  exit 0
fi
read -r -d '' -a paths <<< "${INPUT_PATHS:-.}" || true
args=()
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
sarif="${AZFN_REPORTS:?}/azfn-check.sarif"
status=0
azfn check "${paths[@]}" "${args[@]}" --color never || true
azfn check "${paths[@]}" "${args[@]}" --format sarif > "$sarif" || status=$?
{
  echo "exit=$status"
  # An unusable input still writes a SARIF report that says why; a crash writes none.
  if [ -s "$sarif" ]; then echo "sarif=$sarif"; fi
} >> "$GITHUB_OUTPUT"
