// Reading a dropped repository: a zip (stored or deflated entries, through the browser's own
// DecompressionStream) or a folder, into the text files a kustomize tree is made of.
import { emptyTree, type Tree } from "./examples";

/** Files the renderer can use; everything else in a repository is left out. */
export function wanted(path: string): boolean {
  if (path.split("/").some((part) => part.startsWith(".") || part === "node_modules")) return false;
  const name = path.split("/").pop() ?? "";
  return /\.(ya?ml|json|env|properties|txt|conf|md|xml|ini|sh|toml|rego)$/i.test(name) || name === "Kustomization";
}

const MAX_FILE = 1 << 20;
/** The most a tree may hold: the host's input limit. */
export const MAX_TREE = 32 << 20;

/** A file worth reading: one `wanted`, and not over 1 MiB. */
const usable = (path: string, size: number) => wanted(path) && size <= MAX_FILE;

/** Inflates `bytes` (raw deflate), refusing as soon as the output passes `cap`: an archive's
 * declared sizes are the sender's word, not a bound. */
export async function inflateCapped(bytes: Uint8Array, cap: number, what: string): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      throw new Error(`${what} holds more than ${cap >> 20} MiB`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Text as the CLI reads it: UTF-8 with or without a byte-order mark, UTF-16 with one (what
 * Windows PowerShell writes); undefined for anything else. */
export function decodeText(bytes: Uint8Array): string | undefined {
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le"
    : bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : "utf-8";
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Adds a file to `files`, keeping the whole tree under [`MAX_TREE`]. */
function keep(files: Tree, path: string, bytes: Uint8Array, total: { bytes: number }) {
  const text = decodeText(bytes);
  // Not text: not part of a kustomize tree.
  if (text === undefined) return;
  total.bytes += bytes.length;
  if (total.bytes > MAX_TREE) throw new Error(`its usable files pass ${MAX_TREE >> 20} MiB, the most azfn reads`);
  files[path] = text;
}

/** A zip archive's text files by path; a single top folder (`repo-main/`) is removed. */
export async function unzip(data: ArrayBuffer): Promise<Tree> {
  const view = new DataView(data);
  let end = -1;
  for (let i = data.byteLength - 22; i >= Math.max(0, data.byteLength - 65557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { end = i; break; }
  }
  if (end < 0) throw new Error("not a zip file (no end of central directory)");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files: Tree = emptyTree();
  const total = { bytes: 0 };
  for (let n = 0; n < count; n++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("damaged zip central directory");
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true);
    const comment = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(new Uint8Array(data, at + 46, nameLength));
    at += 46 + nameLength + extra + comment;
    if (name.endsWith("/") || !usable(name, size)) continue;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = new Uint8Array(data, start, compressed);
    let bytes: Uint8Array;
    if (method === 0) bytes = raw;
    else if (method === 8) bytes = await inflateCapped(raw, MAX_FILE, name);
    else continue;
    keep(files, name, bytes, total);
  }
  return stripTop(files);
}

/** Removes one folder every path starts with (`repo-main/base/…` → `base/…`). */
export function stripTop(files: Tree): Tree {
  const paths = Object.keys(files);
  const top = paths[0]?.split("/")[0];
  if (!top || paths.some((p) => !p.startsWith(top + "/"))) return files;
  const out: Tree = emptyTree();
  for (const p of paths) out[p.slice(top.length + 1)] = files[p];
  return out;
}

/** A dropped folder (DataTransfer entries), read recursively. */
export async function readEntries(entries: FileSystemEntry[]): Promise<Tree> {
  const files: Tree = emptyTree();
  const total = { bytes: 0 };
  async function visit(entry: FileSystemEntry): Promise<void> {
    if (entry.isFile) {
      const path = entry.fullPath.replace(/^\//, "");
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      if (usable(path, file.size)) keep(files, path, new Uint8Array(await file.arrayBuffer()), total);
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await visit(child);
      }
    }
  }
  for (const entry of entries) await visit(entry);
  return stripTop(files);
}

/** Files from an `<input type=file webkitdirectory>` (their `webkitRelativePath`). */
export async function readFileList(list: FileList): Promise<Tree> {
  const files: Tree = emptyTree();
  const total = { bytes: 0 };
  for (const file of Array.from(list)) {
    const path = file.webkitRelativePath || file.name;
    if (usable(path, file.size)) keep(files, path, new Uint8Array(await file.arrayBuffer()), total);
  }
  return stripTop(files);
}
