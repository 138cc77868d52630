#!/usr/bin/env bash
# The action's first step: puts azfn on PATH for the steps after it, from INPUT_BINARY or the
# release INPUT_VERSION below INPUT_RELEASE_URL (checked against its published SHA-256), and
# makes the reports folder.
set -euo pipefail
bin="${RUNNER_TEMP:?}/azfn/bin"
reports="$RUNNER_TEMP/azfn/reports"
mkdir -p "$bin" "$reports"
if [ -n "${INPUT_BINARY:-}" ]; then
  if [ ! -f "$INPUT_BINARY" ] || [ ! -x "$INPUT_BINARY" ]; then
    echo "::error::binary: $INPUT_BINARY is not an executable file"
    exit 1
  fi
  cp "$INPUT_BINARY" "$bin/azfn"
else
  if [ "$(uname -sm)" != "Linux x86_64" ]; then
    echo "::error::azfn releases are built for x86_64 Linux runners; on $(uname -sm), build azfn and set 'binary'"
    exit 1
  fi
  asset="azfn-${INPUT_VERSION:?}-x86_64-unknown-linux-musl"
  url="${INPUT_RELEASE_URL%/}/v$INPUT_VERSION/$asset"
  curl --fail --silent --show-error --location --retry 3 --output "$bin/azfn.download" "$url"
  expected=$(curl --fail --silent --show-error --location --retry 3 "$url.sha256" | cut -d' ' -f1)
  actual=$(sha256sum "$bin/azfn.download" | cut -d' ' -f1)
  if [ "$expected" != "$actual" ]; then
    rm -f "$bin/azfn.download"
    echo "::error::$url: SHA-256 $actual is not the published $expected"
    exit 1
  fi
  mv "$bin/azfn.download" "$bin/azfn"
  chmod 0755 "$bin/azfn"
fi
"$bin/azfn" --version
echo "$bin" >> "${GITHUB_PATH:?}"
echo "reports=$reports" >> "${GITHUB_OUTPUT:?}"
