// The azfn core runs here, off the page's main thread, so a long render never freezes the page
// and a runaway one can be stopped by terminating the worker.
//
// Two builds of the same core: the lean one (no Rego engine) serves every tree, and the one with
// the engine (regorus, about 1.1 MB more) is fetched the first time a tree holds `.rego` files.
import * as lean from "../pkg/azfn_wasm.js";
import type { Preview, ParityReport, SecretLine, RuleInfo } from "../pkg/azfn_wasm.js";

type Core = typeof lean;

type Files = Record<string, string>;

export type Request =
  | { id: number; kind: "preview"; files: Files }
  | { id: number; kind: "parity"; files: Files; policy: string | null; environments: { name: string; dir: string }[] }
  | { id: number; kind: "secrets"; files: Files }
  | { id: number; kind: "sarif"; files: Files }
  | { id: number; kind: "schemas" }
  /** Traps the wasm instance: the tests' way to prove a trapped worker is replaced. */
  | { id: number; kind: "trap" };

export type Schemas = { functionApp: JsonSchema; parityPolicy: JsonSchema; azfn: JsonSchema; rules: RuleInfo[] };
export type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
};

export type Reply =
  | { id: number; ok: true; kind: "preview"; preview: Preview; ms: number }
  | { id: number; ok: true; kind: "parity"; report: ParityReport; ms: number }
  | { id: number; ok: true; kind: "secrets"; lines: SecretLine[]; ms: number }
  | { id: number; ok: true; kind: "sarif"; text: string; ms: number }
  | { id: number; ok: true; kind: "schemas"; schemas: Schemas; ms: number }
  | { id: number; ok: true; kind: "trap"; ms: number }
  | { id: number; ok: false; kind: Request["kind"]; error: string; file?: string; line?: number; ms: number; trapped?: boolean };

const ready = lean.default();
let withRego: Promise<Core> | undefined;

/** The core for `request`: the one with the Rego engine when its tree holds a policy. */
function coreFor(request: Request): Promise<Core> {
  const files = "files" in request ? request.files : {};
  if (!Object.keys(files).some((path) => path.endsWith(".rego"))) return ready.then(() => lean);
  withRego ??= import("../pkg-rego/azfn_wasm.js").then(async (full) => {
    await full.default();
    return full as Core;
  });
  return withRego;
}

function run(core: Core, request: Request): Reply {
  const { preview, previewParity, previewSarif, scanSecrets, schemas, rules, trapForTests } = core;
  const started = performance.now();
  const ms = () => performance.now() - started;
  const { id } = request;
  try {
    switch (request.kind) {
      case "preview":
        return { id, ok: true, kind: "preview", preview: preview(request.files), ms: ms() };
      case "parity": {
        const report = previewParity(request.files, request.policy, request.environments);
        return { id, ok: true, kind: "parity", report, ms: ms() };
      }
      case "secrets":
        return { id, ok: true, kind: "secrets", lines: scanSecrets(request.files), ms: ms() };
      case "sarif":
        return { id, ok: true, kind: "sarif", text: previewSarif(request.files), ms: ms() };
      case "schemas":
        return { id, ok: true, kind: "schemas", schemas: { ...schemas(), rules: rules() }, ms: ms() };
      case "trap":
        trapForTests();
        return { id, ok: true, kind: "trap", ms: ms() };
    }
  } catch (e) {
    const error = e as Error & { file?: string; line?: number };
    return {
      id, ok: false, kind: request.kind,
      error: error instanceof Error ? error.message : String(e),
      file: error.file, line: error.line, ms: ms(),
      // A trap (a panic, running out of memory) leaves the instance unusable: the page starts
      // a new worker.
      trapped: e instanceof WebAssembly.RuntimeError,
    };
  }
}

/** Whether the Rego engine has been warmed up since it loaded. */
let warmed = false;

/**
 * V8 runs a freshly loaded module in its baseline tier until each function has run often enough
 * to be optimised, so the first edits of a tree with policies took twice as long as the rest
 * (about 150 ms against 65 ms per key). After the engine's first render, the worker renders the
 * tree `runs` more times in idle time, each run a task of its own so that a request waits for
 * one run at most. The policies get a comment appended, so each run compiles and evaluates them
 * as an edit would (unchanged files would be answered from the core's caches); what the runs
 * return is never used.
 */
function warmUp(core: Core, files: Files, runs: number) {
  if (runs === 0) return;
  setTimeout(() => {
    const edited = Object.fromEntries(
      Object.entries(files).map(([path, text]) => [path, path.endsWith(".rego") ? `${text}\n# warm-up ${runs}\n` : text]),
    );
    try {
      core.preview(edited);
    } catch {
      // A tree the engine cannot render warms nothing more.
      return;
    }
    warmUp(core, files, runs - 1);
  }, 0);
}

self.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  let reply: Reply;
  try {
    const core = await coreFor(request);
    reply = run(core, request);
    if (!warmed && core !== lean && request.kind === "preview" && reply.ok) {
      warmed = true;
      warmUp(core, request.files, 6);
    }
  } catch (e) {
    // The engine's module did not load (offline, say): say so, and try again next time.
    withRego = undefined;
    reply = { id: request.id, ok: false, kind: request.kind, error: `cannot load azfn's Rego engine: ${e}`, ms: 0 };
  }
  (self as unknown as Worker).postMessage(reply);
};

ready.then(() => (self as unknown as Worker).postMessage({ ready: true }));
