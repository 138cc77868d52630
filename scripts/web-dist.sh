#!/usr/bin/env bash
# make web: the static preview page into web/dist (tsc, then vite), only when what it is built
# from changed: the page's sources, its npm lockfile, both wasm modules and the bundled examples.
# Otherwise web/dist is left as it is, so cargo does not relink the azfn binary that embeds it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fingerprint.sh
stamp=target/stamps/web-dist
key=$(fingerprint web/src web/index.html web/vite.config.ts web/tsconfig.json web/package.json \
  web/package-lock.json web/pkg web/pkg-rego examples/orders examples/policies)
if up_to_date "$stamp" "$key" web/dist/index.html; then
  echo "web/dist: up to date"
  exit 0
fi
rm -f "$stamp"
(cd web && npm run build)
mkdir -p "$(dirname "$stamp")"
echo "$key" >"$stamp"
