// Pathological input to the browser module (the wasm the page runs, here in V8): each case is
// answered in under a second with a clear error or a correct result, as the CLI and the KRM
// module answer it (tests/tests/pathological.rs).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { initSync, process as processList, build } from "../pkg/azfn_wasm.js";

const here = dirname(fileURLToPath(import.meta.url));
const head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n";

before(async () => {
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
});

function cases() {
  const flow = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: ${"[".repeat(100_000)}`;
  const block = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  k:\n  ${"- ".repeat(10_000)}x\n`;
  let laughs = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  const names = "abcdefghi";
  for (let i = 1; i < names.length; i++) laughs += `  ${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(",")}]\n`;
  const colliding = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n" + "  k: v\n".repeat(10_000);
  let distinct = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n";
  for (let i = 0; i < 10_000; i++) distinct += `  k${i}: v\n`;
  return [
    ["flow nesting 100,000 deep", flow, "flow collections nested deeper than 128 levels"],
    ["block nesting 10,000 deep", block, "recursion limit exceeded"],
    ["an alias bomb", laughs, "repetition limit exceeded"],
    ["10,000 colliding keys", colliding, 'duplicate entry with key "k"'],
    ["10,000 distinct keys", distinct, null],
  ];
}

const asList = (stream) => head + "-" + stream.split("\n").map((l) => `  ${l}`).join("\n").slice(1) + "\n";

function timed(name, f) {
  const started = performance.now();
  let result, error;
  try {
    result = f();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - started;
  assert.ok(ms < 1000, `${name}: took ${ms.toFixed(0)} ms`);
  return { result, error };
}

test("each YAML case is answered within a second by process() and build()", () => {
  for (const [name, stream, message] of cases()) {
    const krm = timed(name, () => processList(asList(stream)));
    const built = timed(name, () => build({ "kustomization.yaml": "resources:\n- case.yaml\n", "case.yaml": stream }, ""));
    for (const [runtime, { result, error }] of [["process()", krm], ["build()", built]]) {
      if (message) {
        assert.ok(error, `${runtime}, ${name}: no error, got ${String(result).slice(0, 200)}`);
        assert.ok(error.message.includes(message), `${runtime}, ${name}: ${error.message}`);
      } else {
        assert.equal(error, undefined, `${runtime}, ${name}: ${error?.message}`);
      }
    }
  }
});

test("a 50 MB input is refused at once", () => {
  const big = "- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n".repeat(Math.ceil(50_000_000 / 58));
  const krm = timed("process", () => processList(head + big));
  assert.match(krm.error?.message ?? "", /^the input is \d+ MiB, over the limit of 32 MiB$/);
  const built = timed("build", () => build({ "kustomization.yaml": "resources:\n- big.yaml\n", "big.yaml": big }, ""));
  assert.match(built.error?.message ?? "", /over the limit of 32 MiB/);
});

test("a patch that doubles a document is refused", () => {
  let ops = "- op: add\n  path: /d0\n  value: [1, 2]\n";
  for (let i = 1; i < 64; i++) ops += `- op: add\n  path: /d${i}\n  value: []\n- op: copy\n  from: /d${i - 1}\n  path: /d${i}/-\n- op: copy\n  from: /d${i - 1}\n  path: /d${i}/-\n`;
  const patch = ops.split("\n").map((l) => `    ${l}`).join("\n");
  const files = {
    "cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n',
    "kustomization.yaml": `resources:\n- cm.yaml\npatches:\n- target: {kind: ConfigMap}\n  patch: |-\n${patch}\n`,
  };
  const { error } = timed("doubling", () => build(files, ""));
  assert.match(error?.message ?? "", /the build copies more than 1000000 values \(JSON 6902 copy operations and replacements\)/);
});
