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

say "kubectl kustomize --enable-alpha-plugins examples/orders/overlays/prod (one FunctionApp, rendered)"
kubectl kustomize --enable-alpha-plugins examples/orders/overlays/prod | tee "$work/prod.yaml"

for env in dev test prod-eu; do
  say "kubectl kustomize --enable-alpha-plugins examples/orders/overlays/$env (summary)"
  kubectl kustomize --enable-alpha-plugins "examples/orders/overlays/$env" > "$work/$env.yaml"
  awk '/^kind:/{k=$2} /^  name:/{print "  " k "/" $2}' "$work/$env.yaml"
  grep -A1 'AzureFunctionsWebHost__hostid' "$work/$env.yaml" | sed -n 's/^ *value: /  host ID: /p'
done

say "the Azure half of identity (Azure Service Operator objects): subjects follow each overlay's renames"
for env in dev test prod prod-eu; do
  echo "  $env:"
  awk '/^kind:/{k=$2} /^  name:/{n=$2} /^  subject: /{print "    " k "/" n " -> " $2}' "$work/$env.yaml"
  echo "    $(grep -c '^kind: RoleAssignment' "$work/$env.yaml") role assignments, each scoped to one resource"
done

say "azfn identity examples/orders/overlays/prod --format az (the same facts for az or Terraform pipelines)"
"$azfn" identity examples/orders/overlays/prod --format az | head -12

for env in dev prod; do
  say "kpt fn eval - --exec azfn < $env build (stdin mode; results on stderr)"
  kpt fn eval - --exec azfn --truncate-output=false < "$work/$env.yaml" > "$work/$env.kpt.yaml"
  echo "kpt wrote $(grep -c '^- apiVersion' "$work/$env.kpt.yaml") resources unchanged"
done

say "kpt fn eval on a package copy of the base: rendered objects land beside the FunctionApp"
cp -r examples/orders/base "$work/package"
kpt fn eval "$work/package" --exec azfn
ls "$work/package"
cp -r "$work/package" "$work/package.once"
kpt fn eval "$work/package" --exec azfn
diff -r "$work/package.once" "$work/package" && echo "a second run changes nothing"

say "the broken overlay: an inline connection string (this build must fail)"
if kubectl kustomize --enable-alpha-plugins examples/orders/overlays/broken > /dev/null 2> "$work/broken.err"; then
  echo "unexpected: the broken overlay built" >&2
  exit 1
fi
sed -n 's/^\t//p' "$work/broken.err" | grep -v '^ >$' || cat "$work/broken.err"

say "the same mistake in a kpt package (this run must fail and write nothing)"
cp -r examples/orders/base "$work/broken-package"
setting=$(sed -n '/^    LegacyStorage: /p' examples/orders/overlays/broken/inline-connection-string.yaml)
awk -v line="$setting" '{print} /^  settings:$/{print line}' examples/orders/base/functionapp.yaml > "$work/broken-package/functionapp.yaml"
if kpt fn eval "$work/broken-package" --exec azfn --truncate-output=false; then
  echo "unexpected: kpt passed the broken package" >&2
  exit 1
fi
test ! -e "$work/broken-package/functionapp.rendered.yaml" && echo "nothing was written"

say "azfn parity: dev, test and prod differ only where examples/orders/parity.yaml allows"
(cd examples/orders && "$azfn" parity --policy parity.yaml | tail -1)

say "a setting added in prod only: parity fails and names the resource, field, values and source"
cp -r examples/orders "$work/drift"
sed -i 's/^  settings:$/  settings:\n    FEATURE_FLAG: "on"/' "$work/drift/overlays/prod/functionapp.yaml"
if (cd "$work/drift" && "$azfn" parity --policy parity.yaml > "$work/drift.txt"); then
  echo "unexpected: parity passed a prod-only setting" >&2
  exit 1
fi
grep -A2 '✗' "$work/drift.txt" | head -3; tail -1 "$work/drift.txt"

say "azfn serve: the browser preview is embedded in the binary; it answers on loopback"
"$azfn" serve --port 0 > "$work/serve.txt" &
serve_pid=$!
for _ in $(seq 50); do grep -q '^azfn preview: ' "$work/serve.txt" && break; sleep 0.1; done
url=$(sed -n 's/^azfn preview: //p' "$work/serve.txt")
port=${url##*:}; port=${port%/}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET / HTTP/1.0\r\n\r\n' >&3
status=$(head -1 <&3 | tr -d '\r')
exec 3<&-
kill "$serve_pid"
echo "$url -> $status"
[[ $status == "HTTP/1.1 200 OK" ]] || { echo "unexpected: azfn serve answered $status" >&2; exit 1; }
echo "run \`$azfn serve\` (or \`make serve\`) and open http://127.0.0.1:8421/ to preview every overlay, its findings and its drift"

say "done: dev, test, prod and prod-eu render and pass; broken fails with AZF001 and never prints the key; parity catches drift; the preview page is served"
