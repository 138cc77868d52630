#!/usr/bin/env bash
# make demo: the example app built by kubectl kustomize (azfn as a plugin) and checked by kpt
# (azfn as an exec function), then the broken overlay failing with a clear finding.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
azfn=$root/target/release/azfn
work=$root/target/demo
rm -rf "$work" && mkdir -p "$work"
export PATH="$root/target/release:$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "azfn install-plugin --dir $work/plugins"
"$azfn" install-plugin --dir "$work/plugins"
export KUSTOMIZE_PLUGIN_HOME=$work/plugins

for env in dev prod; do
  say "kubectl kustomize --enable-alpha-plugins examples/orders/overlays/$env"
  kubectl kustomize --enable-alpha-plugins "examples/orders/overlays/$env" | tee "$work/$env.yaml"
done

for env in dev prod; do
  say "kpt fn eval - --exec azfn < $env build (stdin mode; results on stderr)"
  kpt fn eval - --exec azfn --truncate-output=false < "$work/$env.yaml" > "$work/$env.kpt.yaml"
  echo "kpt wrote $(grep -c '^- apiVersion' "$work/$env.kpt.yaml") resources unchanged"
done

say "kpt fn eval on a package copy of the base (files are left byte for byte)"
cp -r examples/orders/base "$work/package"
kpt fn eval "$work/package" --exec azfn
diff -r examples/orders/base "$work/package" && echo "package unchanged"

say "the broken overlay: an inline connection string (this build must fail)"
if kubectl kustomize --enable-alpha-plugins examples/orders/overlays/broken > /dev/null 2> "$work/broken.err"; then
  echo "unexpected: the broken overlay built" >&2
  exit 1
fi
sed -n 's/^\t//p' "$work/broken.err" | grep -v '^ >$' || cat "$work/broken.err"

say "the same through kpt (this run must fail)"
# Built without the plugin, then checked by kpt in stdin mode.
cp -r examples/orders "$work/orders"
sed -i '/^transformers:/,$d' "$work/orders/overlays/broken/kustomization.yaml"
if kubectl kustomize "$work/orders/overlays/broken" | kpt fn eval - --exec azfn --truncate-output=false > /dev/null; then
  echo "unexpected: kpt passed the broken overlay" >&2
  exit 1
fi

say "done: dev and prod pass, broken fails with AZF001 and never prints the key"
