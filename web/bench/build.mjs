// make bench: times the browser module's build() (wasm in V8) on a tree from disk.
// Usage: node web/bench/build.mjs TREE OVERLAY RUNS -> prints the median milliseconds, then
// writes the output of the last run to TREE/wasm-output.yaml for the identity check.
import { readFile, writeFile } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readTree } from "../lib/tree.mjs";
import { initSync, build } from "../pkg/azfn_wasm.js";

const [tree, overlay, runs = "3"] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
const files = await readTree(tree, (name) => !name.endsWith("-output.yaml"));
const times = [];
let output = "";
for (let i = 0; i < Number(runs); i++) {
  const start = performance.now();
  output = build(files, overlay);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
await writeFile(join(tree, "wasm-output.yaml"), output);
console.log(times[Math.floor(times.length / 2)].toFixed(2));
