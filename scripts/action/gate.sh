#!/usr/bin/env bash
# The action's last step, after the reports are uploaded: fails the job for each gate set to
# `true` whose command did not pass. Unusable input (exit 2) fails even a `report` gate.
set -euo pipefail
failed=0
gate() { # name, setting, exit code
  case "$3" in
    0 | skipped) ;;
    1) if [ "$2" = true ]; then echo "::error::azfn $1 failed: see its report"; failed=1;
       else echo "::warning::azfn $1 found problems (gate set to '$2')"; fi ;;
    *) echo "::error::azfn $1 could not run (exit $3): see its log"; failed=1 ;;
  esac
}
gate check "${INPUT_CHECK:?}" "${CHECK_EXIT:-missing}"
gate parity "${INPUT_PARITY:?}" "${PARITY_EXIT:-missing}"
exit "$failed"
