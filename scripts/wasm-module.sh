#!/usr/bin/env bash
# make wasm: one browser module, `scripts/wasm-module.sh OUT_DIR [cargo flags]`: the core built for
# wasm32-unknown-unknown (profile web: size first), its JavaScript bindings by wasm-bindgen, shrunk
# by wasm-opt (binaryen from npm). wasm-bindgen and wasm-opt run only when the compiled module,
# their versions or their flags changed; otherwise OUT_DIR is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fingerprint.sh
out=$1
shift
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)
"${CARGO:-cargo}" build --locked --profile web -p azfn-wasm --target wasm32-unknown-unknown "$@"
module=target/wasm32-unknown-unknown/web/azfn_wasm.wasm
stamp=target/stamps/$(basename "$out")
key="$(fingerprint "$module" web/package-lock.json) $(wasm-bindgen --version) ${features[*]}"
if up_to_date "$stamp" "$key" "$out/azfn_wasm_bg.wasm" "$out/azfn_wasm.js"; then
  echo "$out: up to date"
else
  rm -f "$stamp"
  wasm-bindgen "$module" --target web --out-dir "$out" --typescript
  web/node_modules/.bin/wasm-opt -O3 "${features[@]}" "$out/azfn_wasm_bg.wasm" -o "$out/azfn_wasm_bg.opt.wasm"
  mv "$out/azfn_wasm_bg.opt.wasm" "$out/azfn_wasm_bg.wasm"
  mkdir -p "$(dirname "$stamp")"
  echo "$key" >"$stamp"
fi
echo "wasm bundle $out: $(stat -c %s "$out/azfn_wasm_bg.wasm") bytes ($(gzip -9 -c "$out/azfn_wasm_bg.wasm" | wc -c) gzipped)"
