// The wasm API's `parity(files, policy)` (the module the page runs, in V8) compares the example
// app's environments from an in-memory file map exactly as `azfn parity --format json` does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readTree } from "../lib/tree.mjs";
import { initSync, parity, schemas } from "../pkg/azfn_wasm.js";

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, "..", "..", "examples", "orders");

const tree = (dir) => readTree(dir);

function cli(args) {
  const bin = process.env.AZFN_BIN;
  assert.ok(bin, "AZFN_BIN must point at the built azfn binary (make test sets it)");
  return spawnSync(bin, ["parity", ...args], { encoding: "utf8", cwd: example });
}

test("parity() over a file map reports what azfn parity reports", async () => {
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
  const files = await tree(example);
  const report = parity(files, "parity.yaml");
  assert.deepEqual(report.environments, ["dev", "test", "prod"]);
  assert.equal(report.summary.failures, 0);
  const out = cli(["--policy", "parity.yaml", "--format", "json"]);
  assert.equal(out.status, 0, out.stderr);
  const expected = JSON.parse(out.stdout);
  // Compared as text: a difference shows as a short diff, not two 50-row dumps.
  assert.equal(JSON.stringify(report.drifts, null, 1), JSON.stringify(expected.drifts, null, 1));
  assert.deepEqual(report.summary, expected.summary);
  assert.match(report.markdown, /^## azfn parity: ✅/);
});

test("parity() shows drift in prod with the FunctionApp field it comes from", async () => {
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
  const files = await tree(example);
  files["overlays/prod/functionapp.yaml"] = files["overlays/prod/functionapp.yaml"].replace(
    "  settings:\n", "  settings:\n    FEATURE_FLAG: \"on\"\n");
  const report = parity(files, "parity.yaml");
  assert.equal(report.summary.failures, 2);
  const drift = report.drifts.find((d) => !d.allowed && d.name === "orders");
  assert.equal(drift.field, "spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value");
  assert.deepEqual(drift.values, { dev: null, test: null, prod: "on" });
  assert.equal(drift.source.field, "spec.settings.FEATURE_FLAG");
  assert.equal(report.results[0].tags.code, "AZP001");
  assert.match(report.markdown, /❌ 2 differences not allowed/);
});

test("parity() errors name the policy file and field", async () => {
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
  const files = await tree(example);
  files["parity.yaml"] += "  - resource: {kind: Deployment}\n    feild: spec.replicas\n";
  assert.throws(() => parity(files, "parity.yaml"), /parity\.yaml: spec\.allow\[12\]\.feild: unknown field `feild`/);
  assert.throws(() => parity(files, "missing.yaml"), /missing\.yaml/);
});

test("schemas() gives the JSON Schemas azfn schema prints, for the editor", async () => {
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
  const { functionApp, parityPolicy } = schemas();
  const bin = process.env.AZFN_BIN;
  for (const [kind, schema] of [["function-app", functionApp], ["parity-policy", parityPolicy]]) {
    const out = spawnSync(bin, ["schema", kind], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(schema, JSON.parse(out.stdout), `${kind}: the browser's schema differs`);
  }
  assert.equal(parityPolicy.title, "ParityPolicy");
});
