// The wasm API's `build(files, dir)` (the same module the page runs, in V8) renders the example
// app's overlays from an in-memory file map to the very bytes `azfn build` prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readTree } from "../lib/tree.mjs";
import { initSync, build } from "../pkg/azfn_wasm.js";

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, "..", "..", "examples", "orders");

const tree = (dir) => readTree(dir);

test("build() over a file map prints what azfn build prints", async () => {
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
  const files = await tree(example);
  const bin = process.env.AZFN_BIN;
  assert.ok(bin, "AZFN_BIN must point at the built azfn binary (make test sets it)");
  for (const overlay of ["dev", "test", "prod", "prod-eu"]) {
    for (const reorder of ["legacy", "none"]) {
      const output = build(files, `overlays/${overlay}`, { reorder });
      const cli = spawnSync(bin, ["build", join(example, "overlays", overlay), "--reorder", reorder], { encoding: "utf8" });
      assert.equal(cli.status, 0, cli.stderr);
      assert.equal(output, cli.stdout, `${overlay} --reorder ${reorder}: browser and CLI differ`);
    }
  }
});

test("build() errors name the kustomization file and field", async () => {
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
  const files = await tree(example);
  files["overlays/dev/kustomization.yaml"] += "\nvars: []\n";
  assert.throws(() => build(files, "overlays/dev"), /\/overlays\/dev\/kustomization\.yaml: not supported by azfn build: vars/);
  assert.throws(() => build(files, "overlays/broken"), /transformers\[0\]: FunctionApp\/broken-orders: spec\.settings\.LegacyStorage: AZF001 inline-secret/);
  const thrown = (() => { try { build(files, "overlays/broken"); } catch (e) { return String(e); } })();
  assert.ok(!thrown.includes("lomL9hBp6CPf"), "the key was echoed");
});
