// Share links: the whole tree, deflated and base64url-encoded into the URL fragment. A fragment
// is never sent to a server. The page refuses to make a link while the secret scan finds
// anything (main.ts); this module only encodes.
import type { Tree } from "./examples";

export type State = { files: Tree; open?: string };

const PREFIX = "#tree=";
const STORAGE_KEY = "azfn.preview.tree";

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The fragment (`#tree=…`) that reopens `state`. Keys are sorted: the same tree, the same link. */
export async function encode(state: State): Promise<string> {
  const files: Tree = {};
  for (const path of Object.keys(state.files).sort()) files[path] = state.files[path];
  const json = JSON.stringify({ v: 1, files, open: state.open });
  return PREFIX + toBase64Url(await pipe(new TextEncoder().encode(json), new CompressionStream("deflate-raw")));
}

/** The state in a fragment, or undefined when there is none; throws on a damaged link. */
export async function decode(hash: string): Promise<State | undefined> {
  if (!hash.startsWith(PREFIX)) return undefined;
  const bytes = await pipe(fromBase64Url(hash.slice(PREFIX.length)), new DecompressionStream("deflate-raw"));
  const value = JSON.parse(new TextDecoder().decode(bytes));
  if (value?.v !== 1 || typeof value.files !== "object") throw new Error("not an azfn preview link");
  for (const [path, text] of Object.entries(value.files)) {
    if (typeof text !== "string") throw new Error(`${path}: not text`);
  }
  return { files: value.files, open: typeof value.open === "string" ? value.open : undefined };
}

export function save(state: State) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch {
    // Storage full or disabled: the page works without it.
  }
}

export function load(): State | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    return value && typeof value.files === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}
