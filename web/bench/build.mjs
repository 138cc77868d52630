// make bench: times the browser module's build() (wasm in V8) on a tree from disk.
// Usage: node web/bench/build.mjs TREE OVERLAY RUNS -> prints the median milliseconds, then
// writes the output of the last run to TREE/wasm-output.yaml for the identity check.
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join, relative, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { initSync, build } from "../pkg/azfn_wasm.js";

const [tree, overlay, runs = "3"] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
const files = {};
async function walk(d) {
  for (const entry of await readdir(d, { withFileTypes: true })) {
    const path = join(d, entry.name);
    if (entry.isDirectory()) await walk(path);
    else if (!entry.name.endsWith("-output.yaml")) files[relative(tree, path)] = await readFile(path, "utf8");
  }
}
await walk(tree);
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
