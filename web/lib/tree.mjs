// A folder as the path -> text map the wasm API takes (paths relative to `root`), for the
// Node tests and benchmarks. `keep(name)` chooses the files.
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";

export async function readTree(root, keep = () => true) {
  const files = {};
  async function walk(dir) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (keep(entry.name)) files[relative(root, path)] = await readFile(path, "utf8");
    }
  }
  await walk(root);
  return files;
}
