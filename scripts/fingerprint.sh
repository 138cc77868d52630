# Sourced by the build scripts: `fingerprint PATH...` prints one SHA-256 over the names and
# contents of every file under the paths (sorted), so a step can tell its inputs are unchanged
# and leave its outputs (and their mtimes) alone: an unchanged web/dist keeps cargo from
# relinking the azfn binary that embeds it.
fingerprint() {
  find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

# `up_to_date STAMP KEY OUTPUT...`: whether STAMP holds KEY and every OUTPUT exists.
up_to_date() {
  local stamp=$1 key=$2
  shift 2
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] || return 1
  local output
  for output in "$@"; do [ -e "$output" ] || return 1; done
}
