// The azfn core runs here, off the page's main thread, so a long check never freezes the
// page and a runaway one can be stopped by terminating the worker.
import init, { process } from "../pkg/azfn_wasm.js";

export type Request = { id: number; input: string };
export type Response =
  | { id: number; ok: true; result: import("../pkg/azfn_wasm.js").ProcessOutput; ms: number }
  | { id: number; ok: false; error: string; ms: number };

const ready = init();

self.onmessage = async (event: MessageEvent<Request>) => {
  await ready;
  const { id, input } = event.data;
  const started = performance.now();
  let reply: Response;
  try {
    const result = process(input);
    reply = { id, ok: true, result, ms: performance.now() - started };
  } catch (e) {
    reply = { id, ok: false, error: e instanceof Error ? e.message : String(e), ms: performance.now() - started };
  }
  (self as unknown as Worker).postMessage(reply);
};

(self as unknown as Worker).postMessage({ id: 0, ok: true, ready: true });
