// make bench: times the browser module's parity() (wasm in V8) on a tree from disk.
// Usage: node web/bench/parity.mjs TREE POLICY RUNS -> prints the median milliseconds and the
// number of differences not allowed.
import { readFile } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readTree } from "../lib/tree.mjs";
import { initSync, parity } from "../pkg/azfn_wasm.js";

const [tree, policy, runs = "3"] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
const files = await readTree(tree, (name) => name.endsWith(".yaml"));
const times = [];
let report;
for (let i = 0; i < Number(runs); i++) {
  const start = performance.now();
  report = parity(files, policy);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)].toFixed(2), report.summary.failures);
