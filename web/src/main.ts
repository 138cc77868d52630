import { examples } from "./examples";
import type { Request, Response } from "./worker";
import type { KrmResult } from "../pkg/azfn_wasm.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = $<HTMLTextAreaElement>("input");
const example = $<HTMLSelectElement>("example");
const output = $<HTMLPreElement>("output");
const findings = $<HTMLUListElement>("findings");
const status = $<HTMLSpanElement>("status");
const errorBox = $<HTMLDivElement>("error");

/** A check that takes longer than this is stopped and the worker restarted. */
const RUNAWAY_MS = 5000;

let worker: Worker;
let ready = false;
let next = 1;
let pending: { id: number; timer: number } | undefined;
let queued: string | undefined;

function startWorker() {
  ready = false;
  worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent<Response & { ready?: boolean }>) => {
    if (event.data.ready) {
      ready = true;
      status.textContent = "ready";
      document.body.dataset.ready = "true";
      check(input.value);
      return;
    }
    if (!pending || event.data.id !== pending.id) return;
    clearTimeout(pending.timer);
    pending = undefined;
    show(event.data);
    if (queued !== undefined) {
      const text = queued;
      queued = undefined;
      check(text);
    }
  };
}

function check(text: string) {
  if (!ready) return;
  if (pending) {
    queued = text;
    return;
  }
  const id = next++;
  const timer = window.setTimeout(() => {
    // Runaway: stop it, say so, keep the last good result on screen.
    worker.terminate();
    pending = undefined;
    showError(`The check took longer than ${RUNAWAY_MS / 1000} s and was stopped.`);
    startWorker();
  }, RUNAWAY_MS);
  pending = { id, timer };
  status.textContent = "checking…";
  worker.postMessage({ id, input: text } satisfies Request);
}

function showError(message: string) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  status.textContent = "error";
}

function show(reply: Response) {
  if (!reply.ok) {
    // The last good output stays visible under the error.
    showError(reply.error);
    return;
  }
  errorBox.hidden = true;
  const { result } = reply;
  output.textContent = result.output;
  findings.replaceChildren(...(result.results.length ? result.results.map(item) : [none()]));
  const errors = result.results.filter((r) => r.severity === "error").length;
  status.textContent = `${errors} error${errors === 1 ? "" : "s"} · checked in ${reply.ms.toFixed(1)} ms`;
  document.body.dataset.checked = String(Number(document.body.dataset.checked ?? 0) + 1);
}

function item(result: KrmResult): HTMLLIElement {
  const li = document.createElement("li");
  li.className = result.severity;
  const code = document.createElement("span");
  code.className = "code";
  code.textContent = `${result.severity}: `;
  const message = document.createElement("span");
  message.textContent = result.message;
  const where = document.createElement("span");
  where.className = "where";
  const ref = result.resourceRef;
  where.textContent = [
    ref ? `${ref.kind}/${ref.namespace ? ref.namespace + "/" : ""}${ref.name}` : "",
    result.field?.path ?? "",
    result.file ? `(${result.file.path})` : "",
  ].filter(Boolean).join(" ");
  li.append(code, message, where);
  return li;
}

function none(): HTMLLIElement {
  const li = document.createElement("li");
  li.textContent = "No findings.";
  return li;
}

let debounce: number | undefined;
input.addEventListener("input", () => {
  clearTimeout(debounce);
  debounce = window.setTimeout(() => check(input.value), 150);
});
example.addEventListener("change", () => {
  input.value = examples[example.value] ?? "";
  check(input.value);
});

input.value = examples.clean;
startWorker();
