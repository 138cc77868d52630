#!/usr/bin/env bash
# make fuzz: each cargo-fuzz (libFuzzer) target for FUZZ_SECONDS (default 60), starting from the
# committed corpus (fuzz/corpus/<target>, seeded from the examples, the test fixtures and
# kustomize's conformance cases when empty), then minimized back into it with `cargo fuzz cmin`.
# A crash stops the run and leaves its input in fuzz/artifacts/<target>/. Executions per target
# are printed at the end (and kept in target/fuzz-report.md). FUZZ_RUNS stops each target after
# that many executions instead (whichever of the two comes first when both are set).
#   FUZZ_TARGETS="yaml overlay" FUZZ_SECONDS=600 make fuzz
#   FUZZ_RUNS=1000000 FUZZ_SECONDS=3600 make fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"text yaml resource_list rules functionapp overlay patch parity rego"}
shared=${AZFN_SHARED:-$root/../shared}
# The core is safe Rust, so libFuzzer runs without AddressSanitizer by default (three to five
# times the executions); FUZZ_SANITIZER=address checks the unsafe code of dependencies too.
sanitizer=${FUZZ_SANITIZER:-none}
# The pinned stable toolchain runs cargo-fuzz's nightly flags with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.1 --locked
fi

seed() {
  local target=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  [ -n "$(ls -A "$dir")" ] && return 0
  echo "seeding $dir"
  python3 - "$target" "$dir" "$root" "$shared" <<'PY'
import hashlib, os, sys
target, out, root, shared = sys.argv[1:]
def put(data):
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
def yaml_files(top):
    for d, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith((".yaml", ".yml")):
                yield os.path.join(d, f)
def tree(top):
    parts = []
    for d, _, files in os.walk(top):
        for f in sorted(files):
            p = os.path.join(d, f)
            try:
                text = open(p, encoding="utf-8").read()
            except (UnicodeDecodeError, OSError):
                continue
            parts.append(f"=== {os.path.relpath(p, top)}\n{text}")
    return "".join(parts)
examples = os.path.join(root, "examples")
fixtures = os.path.join(root, "tests", "fixtures")
cases = os.path.join(shared, "conformance", "kustomize", "cases")
if target in ("text", "yaml", "rules", "functionapp"):
    for p in list(yaml_files(examples)) + list(yaml_files(fixtures))[:200]:
        put(open(p, "rb").read())
elif target == "resource_list":
    for p in yaml_files(fixtures):
        data = open(p, "rb").read()
        if b"ResourceList" in data:
            put(data)
    for p in yaml_files(examples):
        items = open(p).read()
        put("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" +
            "".join("- " + doc.strip().replace("\n", "\n  ") + "\n" for doc in items.split("\n---\n") if doc.strip()))
elif target == "overlay":
    put(tree(os.path.join(examples, "orders")))
    for case in sorted(os.listdir(cases))[:150]:
        put(tree(os.path.join(cases, case, "files")))
elif target == "patch":
    for form, patch in [
        (0, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  replicas: 3\n"),
        (0, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - {name: A, $patch: delete}\n"),
        (1, "- op: replace\n  path: /spec/replicas\n  value: 2\n- op: add\n  path: /spec/template/spec/containers/0/env/-\n  value: {name: C, value: c}\n"),
        (2, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: $patch\n"),
        (3, "- op: move\n  from: /spec/replicas\n  path: /spec/x\n- op: copy\n  from: /spec/template\n  path: /spec/y\n- op: test\n  path: /spec/x\n  value: 1\n"),
        (3, '[{"op": "remove", "path": "/metadata/labels/app"}]'),
    ]:
        put(bytes([form]) + patch.encode())
elif target == "rego":
    policies = [os.path.join(root, "examples", "policies", f)
                for f in sorted(os.listdir(os.path.join(root, "examples", "policies")))]
    manifests = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\n  namespace: prod\n"
                 "spec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: docker.io/orders:1\n"
                 "---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: orders\n"
                 "  labels: {contoso.com/owner: payments}\nspec:\n  maxReplicaCount: 80\n")
    for i, p in enumerate(policies):
        put(bytes([i % 2]) + (open(p).read() + "\n=== \n" + manifests).encode())
elif target == "parity":
    policy = open(os.path.join(examples, "orders", "parity.yaml")).read()
    dev = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dev-settings\ndata:\n  a: '1'\n"
    prod = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prod-settings\ndata:\n  a: '2'\n  b: x\n"
    put(f"{policy}\n=== dev\n{dev}\n=== prod\n{prod}")
    put(f"\n=== dev\n{dev}\n=== test\n{dev}")
PY
}

# What is committed and replayed by make test: the inputs of at most 4 KiB, minimized by
# `cargo fuzz cmin` to those that add coverage, and every input that once crashed (crash-*).
minimize() {
  local target=$1 dir=fuzz/corpus/$1 small
  small=$(mktemp -d)
  find "$dir" -type f \( -size -4097c -o -name 'crash-*' \) -exec cp {} "$small"/ \;
  (cd fuzz && cargo fuzz cmin "$target" "$small" --release -s "$sanitizer" >/dev/null 2>&1)
  find "$dir" -type f -name 'crash-*' -exec cp {} "$small"/ \;
  rm -rf "$dir"
  mv "$small" "$dir"
  chmod 755 "$dir"
}

if [ "${FUZZ_MINIMIZE_ONLY:-}" = 1 ]; then
  for target in $targets; do minimize "$target"; echo "$target: $(ls fuzz/corpus/"$target" | wc -l) inputs, $(du -sh fuzz/corpus/"$target" | cut -f1)"; done
  exit 0
fi

report=target/fuzz-report.md
mkdir -p target
echo "| target | seconds | executions | corpus |" > "$report"
echo "|---|---|---|---|" >> "$report"
started_all=$(date +%s)
failed=0
for target in $targets; do
  seed "$target"
  log=target/fuzz-$target.log
  echo "fuzzing $target for ${seconds}s${FUZZ_RUNS:+ or $FUZZ_RUNS runs}"
  started=$(date +%s)
  # -rss_limit_mb and -timeout turn out-of-memory and hangs into findings; -max_len keeps new
  # inputs small enough to commit.
  runs=()
  [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
  if ! (cd fuzz && cargo fuzz run "$target" --release -s "$sanitizer" -- -max_total_time="$seconds" "${runs[@]}" \
        -rss_limit_mb=2048 -timeout=10 -max_len=4096 -print_final_stats=1 >"$root/$log" 2>&1); then
    grep -A8 -m1 "panicked\|ERROR: libFuzzer" "$log" >&2 || tail -20 "$log" >&2
    echo "fuzz: $target found a problem; its input is in fuzz/artifacts/$target/" >&2
    echo "| $target | $(( $(date +%s) - started )) | found: $(ls fuzz/artifacts/"$target" | head -1) | |" >> "$report"
    failed=1
    continue
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  minimize "$target"
  corpus=$(ls fuzz/corpus/"$target" | wc -l)
  echo "| $target | $(( $(date +%s) - started )) | $execs | $corpus |" >> "$report"
  echo "$target: $execs executions, corpus $corpus"
done
echo "total: $(( $(date +%s) - started_all )) s" >> "$report"
cat "$report"
exit "$failed"
