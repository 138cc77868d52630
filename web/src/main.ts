// The preview page: a kustomize tree in editors on the left, what each environment renders,
// azfn's findings and the parity matrix on the right, re-rendered on every edit by the azfn core
// in a Web Worker.
import { EditorState, type Extension } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
} from "@codemirror/view";
import { defaultKeymap, history as undoHistory, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, indentUnit } from "@codemirror/language";
import { yaml } from "@codemirror/lang-yaml";
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { MergeView } from "@codemirror/merge";

import { copyTree, emptyTree, examples, type Tree } from "./examples";
import { Engine, Runaway } from "./engine";
import type { Reply } from "./worker";
import { complete, hover, setSchemas } from "./schema";
import * as share from "./share";
import { unzip, readEntries, readFileList } from "./zip";
import type { Preview, EnvironmentPreview, ParityReport, ParityRow, KrmResult } from "../pkg/azfn_wasm.js";

// ---------------------------------------------------------------- small DOM helpers
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, props: Record<string, string | boolean | undefined> = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === "class") node.className = String(value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

// ---------------------------------------------------------------- state
let files: Tree = emptyTree();
let openPath = "";
let preview: Preview | undefined;
/** Each environment's last output, kept on screen while it fails. */
const lastGood = new Map<string, string>();
let parity: { report?: ParityReport; error?: { message: string; file?: string; line?: number } } = {};
let selectedTab = "";
let diffPair: [string, string] | undefined;
let mergeView: MergeView | undefined;

const engine = new Engine();
const editorStates = new Map<string, EditorState>();

// ---------------------------------------------------------------- editor
const editorParent = $<HTMLDivElement>("editor");
let view: EditorView;
let lastKey = -Infinity;
editorParent.addEventListener("keydown", (e) => { lastKey = e.timeStamp; }, true);

function extensions(): Extension[] {
  return [
    lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), drawSelection(), undoHistory(),
    indentUnit.of("  "), yaml(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    autocompletion({ override: [complete] }), hover, lintGutter(),
    keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
    EditorView.contentAttributes.of({ "aria-label": "File contents" }),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      files[openPath] = update.state.doc.toString();
      // Timed from the key press that made the edit, when there was one.
      const now = performance.now();
      edited(now - lastKey < 100 ? lastKey : now);
    }),
  ];
}

const newState = (doc: string) => EditorState.create({ doc, extensions: extensions() });

/** The file's editor state, kept while it is open elsewhere (undo history, selection). Every
 * change to `files` outside the editor drops the path's state. */
function stateFor(path: string): EditorState {
  return editorStates.get(path) ?? newState(files[path] ?? "");
}

function openFile(path: string, line?: number) {
  if (!Object.hasOwn(files, path)) return;
  if (view && openPath) editorStates.set(openPath, view.state);
  openPath = path;
  view.setState(stateFor(path));
  $("file-name").textContent = path;
  showDiagnostics();
  renderTree();
  if (line) {
    const at = view.state.doc.line(Math.min(line, view.state.doc.lines));
    view.dispatch({ selection: { anchor: at.from, head: at.to }, effects: EditorView.scrollIntoView(at.from, { y: "center" }) });
    view.focus();
  }
}

/** Findings and errors in the open file, shown at their lines. */
function showDiagnostics() {
  if (!view) return;
  const found: Diagnostic[] = [];
  const add = (line: number | undefined, severity: "error" | "warning" | "info", message: string) => {
    const doc = view.state.doc;
    const at = doc.line(Math.min(Math.max(line ?? 1, 1), doc.lines));
    found.push({ from: at.from, to: at.to, severity, message });
  };
  const errors = new Set<string>();
  for (const env of preview?.environments ?? []) {
    if (env.error?.file === openPath && !errors.has(env.error.item)) {
      errors.add(env.error.item);
      add(env.error.line, "error", env.error.item);
    }
  }
  for (const f of allFindings()) if (f.file === openPath) add(f.line, f.result.severity, f.result.message);
  if (parity.error?.file === openPath) add(parity.error.line, "error", parity.error.message);
  view.dispatch(setDiagnostics(view.state, found));
}

// ---------------------------------------------------------------- file tree
const treeList = $<HTMLUListElement>("tree");

function renderTree() {
  const items: HTMLElement[] = [];
  let folder = "";
  for (const path of Object.keys(files).sort()) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    if (dir !== folder) {
      folder = dir;
      if (dir) items.push(el("li", { class: "folder", role: "none" }, dir + "/"));
    }
    const name = path.slice(dir ? dir.length + 1 : 0);
    const button = el("button", {
      type: "button", role: "treeitem", "aria-selected": String(path === openPath),
      "data-path": path, class: dir ? "nested" : undefined, title: path,
    }, name);
    button.addEventListener("click", () => openFile(path));
    items.push(el("li", { role: "none" }, button));
  }
  treeList.replaceChildren(...items);
}

/** An inline form in the file pane: one text field, OK and Cancel. */
function ask(label: string, initial: string, action: string, onOk: (value: string) => string | undefined) {
  document.getElementById("file-form")?.remove();
  const input = el("input", { id: "file-form-input", type: "text", value: initial, "aria-label": label });
  input.value = initial;
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el("form", { id: "file-form", class: "file-form" },
    el("label", { for: "file-form-input" }, label), input,
    el("button", { type: "submit" }, action), el("button", { type: "button", class: "cancel" }, "Cancel"), error);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const problem = onOk(input.value.trim());
    if (problem) error.textContent = problem;
    else form.remove();
  });
  form.querySelector(".cancel")!.addEventListener("click", () => form.remove());
  treeList.before(form);
  input.focus();
  input.select();
}

function validPath(path: string): string | undefined {
  if (!path) return "A path is needed.";
  if (path.startsWith("/") || path.split("/").some((p) => p === ".." || p === "." || p === "")) return "Use a relative path like overlays/prod/patch.yaml.";
  if (Object.hasOwn(files, path)) return `${path} exists.`;
  return undefined;
}

$("file-add").addEventListener("click", () => {
  const dir = openPath.includes("/") ? openPath.slice(0, openPath.lastIndexOf("/") + 1) : "";
  ask("New file path", dir, "Create", (path) => {
    const problem = validPath(path);
    if (problem) return problem;
    files[path] = "";
    openFile(path);
    edited();
    return undefined;
  });
});

$("file-rename").addEventListener("click", () => {
  if (!openPath) return;
  const from = openPath;
  ask(`Rename ${from} to`, from, "Rename", (to) => {
    if (to === from) return undefined;
    const problem = validPath(to);
    if (problem) return problem;
    files[to] = files[from];
    delete files[from];
    editorStates.delete(from);
    openPath = "";
    openFile(to);
    edited();
    return undefined;
  });
});

$("file-delete").addEventListener("click", () => {
  if (!openPath) return;
  const path = openPath;
  ask(`Delete ${path}? Type its name to confirm`, "", "Delete", (typed) => {
    if (typed !== path.split("/").pop()) return `Type ${path.split("/").pop()} to delete it.`;
    delete files[path];
    editorStates.delete(path);
    openPath = "";
    const next = Object.keys(files).sort()[0];
    if (next) openFile(next);
    else { view.setState(newState("")); renderTree(); }
    edited();
    return undefined;
  });
});

// ---------------------------------------------------------------- rendering
const status = $<HTMLSpanElement>("status");
const banner = $<HTMLDivElement>("banner");
let version = 0;
/** When the oldest edit not yet on screen was made (for keystroke-to-view timing). */
let editAt: number | undefined;
let rendering = false;
let saveTimer: number | undefined;

function edited(at = performance.now()) {
  version++;
  editAt ??= at;
  $("share-result").hidden = true;
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => share.save({ files, open: openPath }), 300);
  schedule();
}

/** Renders now if the worker is idle; edits made meanwhile are rendered together next. */
function schedule() {
  if (!rendering) void render();
}

async function render() {
  rendering = true;
  const snapshot = { ...files };
  const at = version;
  const started = editAt;
  status.textContent = "rendering…";
  let rendered = false;
  try {
    const reply = await engine.request({ kind: "preview", files: snapshot });
    if (reply.ok && reply.kind === "preview") {
      preview = reply.preview;
      rendered = true;
      showPreview(reply.ms);
      if (started !== undefined && version === at) {
        editAt = undefined;
        afterPaint(() => performance.measure("azfn:keystroke-to-view", { start: started, end: performance.now() }));
      }
    } else if (!reply.ok) {
      showBanner(`The preview failed: ${reply.error}`);
      status.textContent = "error";
    }
  } catch (e) {
    if (e instanceof Runaway) showBanner(e.message);
  } finally {
    rendering = false;
  }
  if (version !== at) return schedule();
  // After a runaway, comparing the same tree would run away too.
  if (rendered) await runParity(snapshot, at, started);
}

/** The parity report for what was just rendered; `editedAt` times it from the key press. */
async function runParity(snapshot: Tree, at: number, editedAt: number | undefined) {
  if (!preview) return;
  const started = editedAt ?? performance.now();
  try {
    const reply = await engine.request({
      kind: "parity", files: snapshot, policy: preview.policy ?? null,
      environments: preview.environments.map(({ name, dir }) => ({ name, dir })),
    });
    if (version !== at) return;
    parity = reply.ok && reply.kind === "parity"
      ? { report: reply.report }
      : !reply.ok ? { error: { message: reply.error, file: reply.file, line: reply.line } } : {};
    afterPaint(() => performance.measure("azfn:keystroke-to-parity", { start: started, end: performance.now() }));
    bump("parity");
    refresh();
  } catch (e) {
    if (e instanceof Runaway) showBanner(e.message);
  }
}

/** Runs `f` once the browser has painted what was just put on the page. */
function afterPaint(f: () => void) {
  requestAnimationFrame(() => setTimeout(f, 0));
}

function showBanner(message: string, ...extra: Node[]) {
  banner.replaceChildren(el("p", {}, message), ...extra);
  banner.hidden = false;
}

let lastMs = 0;
/** Why the link the page was opened with was refused: shown with the first render, which would
 * otherwise clear it before anyone read it. */
let linkRefused: string | undefined;
function showPreview(ms: number) {
  lastMs = ms;
  if (linkRefused) showBanner(linkRefused);
  else banner.hidden = true;
  linkRefused = undefined;
  for (const env of preview!.environments) if (env.output) lastGood.set(env.name, env.output);
  if (!preview!.environments.some((e) => tabId(e) === selectedTab) && !["diff", "findings", "parity"].includes(selectedTab)) {
    selectedTab = preview!.environments[0] ? tabId(preview!.environments[0]) : "findings";
  }
  refresh();
  bump("rendered");
}

/** Every view of the results, after new ones arrived. */
function refresh() {
  renderTabs();
  renderPanel();
  showDiagnostics();
  updateStatus();
}

/** Counts an event in `data-NAME` on the body: what tests and benchmarks wait on. */
function bump(name: string) {
  document.body.dataset[name] = String(Number(document.body.dataset[name] ?? 0) + 1);
}

function updateStatus() {
  if (!preview) return;
  const envs = preview.environments;
  const failing = envs.filter((e) => e.fails).length;
  const drift = parity.report?.summary.failures;
  status.textContent = [
    plural(envs.length, "environment"),
    failing ? `${failing} failing` : "all build",
    drift === undefined ? "" : drift ? plural(drift, "drift") : "in parity",
    `rendered in ${lastMs.toFixed(0)} ms`,
  ].filter(Boolean).join(" · ");
}

// ---------------------------------------------------------------- tabs and views
const tabs = $<HTMLDivElement>("tabs");
const panel = $<HTMLDivElement>("panel");
const tabId = (env: EnvironmentPreview) => `env:${env.name}`;

function renderTabs() {
  if (!preview) return;
  const findingCount = allFindings().filter((f) => f.result.severity !== "info").length;
  const entries: [string, string, string?][] = [
    ...preview.environments.map((e): [string, string, string?] => [tabId(e), e.name, e.fails ? "fails" : undefined]),
    ["diff", "Diff"],
    ["findings", `Findings (${findingCount})`, findingCount ? "has-findings" : undefined],
    ["parity", parity.report ? `Parity (${parity.report.summary.failures})` : "Parity", parity.report?.summary.failures || parity.error ? "fails" : undefined],
  ];
  tabs.replaceChildren(...entries.map(([id, label, cls]) => {
    const tab = el("button", {
      type: "button", role: "tab", id: `tab-${id}`, "data-tab": id, class: cls,
      "aria-selected": String(id === selectedTab), "aria-controls": "panel", tabindex: id === selectedTab ? "0" : "-1",
    }, label);
    tab.addEventListener("click", () => selectTab(id));
    return tab;
  }));
  panel.setAttribute("aria-labelledby", `tab-${selectedTab}`);
}

tabs.addEventListener("keydown", (e) => {
  const all = Array.from(tabs.querySelectorAll<HTMLButtonElement>("[role=tab]"));
  const at = all.findIndex((t) => t.dataset.tab === selectedTab);
  const to = e.key === "ArrowRight" ? at + 1 : e.key === "ArrowLeft" ? at - 1 : e.key === "Home" ? 0 : e.key === "End" ? all.length - 1 : undefined;
  if (to === undefined) return;
  e.preventDefault();
  const tab = all[(to + all.length) % all.length];
  selectTab(tab.dataset.tab!);
  tabs.querySelector<HTMLButtonElement>(`[data-tab="${CSS.escape(tab.dataset.tab!)}"]`)?.focus();
});

function selectTab(id: string) {
  selectedTab = id;
  renderTabs();
  renderPanel();
}

function renderPanel() {
  if (!preview) return;
  mergeView?.destroy();
  mergeView = undefined;
  if (!preview.environments.length) {
    return panel.replaceChildren(el("p", {}, "No environment: the tree has no kustomization.yaml. Add one (New), pick an example, or open a repository's folder or zip."));
  }
  if (selectedTab === "diff") return panel.replaceChildren(...diffView());
  if (selectedTab === "findings") return panel.replaceChildren(...findingsView());
  if (selectedTab === "parity") return panel.replaceChildren(...parityView());
  const env = preview.environments.find((e) => tabId(e) === selectedTab);
  if (env) panel.replaceChildren(...environmentView(env));
}

function locationButton(file: string | undefined, line: number | undefined): HTMLElement {
  if (!file) return el("span", { class: "where" });
  const button = el("button", { type: "button", class: "link where", "data-file": file, "data-line": String(line ?? 1) }, `${file}:${line ?? 1}`);
  button.addEventListener("click", () => openFile(file, line));
  return button;
}

/** An error with the place it points at. */
function errorBox(message: string, file?: string, line?: number): HTMLElement {
  return el("div", { class: "error", role: "alert" }, el("p", {}, message), ...(file ? [locationButton(file, line)] : []));
}

function findingItem(result: KrmResult, file?: string, line?: number, envs?: string[]): HTMLLIElement {
  const code = result.tags?.code ?? "";
  const rule = result.tags?.rule ?? "";
  const message = code && rule ? result.message.replace(`${code} ${rule}: `, "") : result.message;
  const ref = result.resourceRef;
  const explanation = rules.get(code);
  return el("li", { class: `finding ${result.severity}` },
    el("span", { class: "severity" }, result.severity), " ",
    el("span", { class: "code" }, [code, rule].filter(Boolean).join(" ")), " ",
    el("span", { class: "message" }, message),
    el("span", { class: "meta" },
      ref ? `${ref.kind}/${ref.name}${result.field ? " " + result.field.path : ""}` : "",
      envs?.length ? ` · in ${envs.join(", ")}` : ""),
    locationButton(file, line),
    ...(explanation ? [el("details", {}, el("summary", {}, "Why"), el("p", {}, explanation))] : []));
}

function environmentView(env: EnvironmentPreview): Node[] {
  const out: Node[] = [el("h3", {}, `${env.name} `, el("span", { class: "path" }, env.dir || "."))];
  if (env.error) {
    out.push(errorBox(env.error.item, env.error.file, env.error.line));
  } else if (env.fails) {
    out.push(errorBox(`azfn build fails in ${env.name}: it prints nothing until the errors below are fixed.`));
  }
  if (env.findings.length) out.push(el("ul", { class: "findings" }, ...env.findings.map((f) => findingItem(f.item, f.file, f.line))));
  const output = env.output ?? lastGood.get(env.name);
  if (output !== undefined) {
    if (!env.output) out.push(el("p", { class: "stale" }, "The last good render, from before this error:"));
    out.push(el("pre", { class: env.output ? "yaml" : "yaml stale", "aria-label": `Rendered YAML of ${env.name}`, tabindex: "0", "data-env": env.name }, output));
  }
  return out;
}

function diffView(): Node[] {
  const envs = preview!.environments;
  if (envs.length < 2) return [el("p", {}, "A diff needs two environments.")];
  const names = envs.map((e) => e.name);
  if (!diffPair || !names.includes(diffPair[0]) || !names.includes(diffPair[1])) {
    const prod = names.find((n) => n === "prod") ?? names[names.length - 1];
    diffPair = [names[0] === prod ? names[1] : names[0], prod];
  }
  const select = (index: 0 | 1, label: string) => {
    const s = el("select", { id: `diff-${index}` }, ...names.map((n) => el("option", { value: n, selected: n === diffPair![index] }, n)));
    s.addEventListener("change", () => { diffPair![index] = s.value; renderPanel(); });
    return [el("label", { for: `diff-${index}` }, label), s];
  };
  const host = el("div", { class: "merge", "aria-label": "Diff between environments" });
  const text = (name: string) => envs.find((e) => e.name === name)?.output ?? lastGood.get(name) ?? "";
  const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false), lineNumbers(), yaml(), syntaxHighlighting(defaultHighlightStyle)];
  mergeView = new MergeView({
    a: { doc: text(diffPair[0]), extensions: readOnly },
    b: { doc: text(diffPair[1]), extensions: readOnly },
    parent: host, collapseUnchanged: { margin: 3, minSize: 6 }, gutter: true,
  });
  return [el("div", { class: "bar" }, ...select(0, "From"), ...select(1, "To")), host];
}

type Shared = { result: KrmResult; file?: string; line?: number; envs: string[] };

/** Every environment's findings, one entry for a finding several environments share. */
function allFindings(): Shared[] {
  const out: Shared[] = [];
  for (const env of preview?.environments ?? []) {
    for (const f of env.findings) {
      const same = out.find((o) => o.result.message === f.item.message && o.file === f.file && o.line === f.line);
      if (same) same.envs.push(env.name);
      else out.push({ result: f.item, file: f.file, line: f.line, envs: [env.name] });
    }
  }
  return out;
}

function findingsView(): Node[] {
  const out: Node[] = [];
  const errors = preview!.environments.filter((e) => e.error);
  if (errors.length) {
    out.push(el("h3", {}, "Build errors"), el("ul", { class: "findings" }, ...errors.map((e) => el("li", { class: "finding error" },
      el("span", { class: "severity" }, "error"), " ", el("span", { class: "message" }, e.error!.item),
      el("span", { class: "meta" }, `in ${e.name}`), locationButton(e.error!.file, e.error!.line)))));
  }
  const findings = allFindings();
  out.push(el("h3", {}, "Findings"));
  out.push(findings.length
    ? el("ul", { class: "findings", "aria-label": "Findings" }, ...findings.map((f) => findingItem(f.result, f.file, f.line, f.envs)))
    : el("p", {}, "No findings."));
  return out;
}

function parityView(): Node[] {
  if (parity.error) {
    return [errorBox(parity.error.message, parity.error.file, parity.error.line)];
  }
  const report = parity.report;
  if (!report) return [el("p", {}, "Comparing environments…")];
  const { summary, environments } = report;
  const out: Node[] = [el("p", { class: "summary" },
    preview?.policy ? `By ${preview.policy}: ` : "No ParityPolicy in the tree: every difference is shown. ",
    `${plural(summary.resources, "resource")}, ${plural(summary.failures, "difference")} not allowed, ${summary.allowed} allowed, ${plural(summary.staleRules, "stale rule")}.`)];
  // One group per resource, those with drift first; within a group, drift rows first.
  const groups = new Map<string, ParityRow[]>();
  for (const row of report.drifts) {
    const key = `${row.kind}/${row.name}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const ordered = [...groups.entries()]
    .map(([name, rows]) => [name, [...rows].sort((a, b) => Number(a.allowed) - Number(b.allowed))] as const)
    .sort(([, a], [, b]) => Number(a[0].allowed) - Number(b[0].allowed));
  if (ordered.length) {
    const head = el("tr", {}, el("th", { scope: "col", class: "field" }, "Field"),
      ...environments.map((e) => el("th", { scope: "col" }, e)), el("th", { scope: "col", class: "status" }, "Status"));
    const body: HTMLTableRowElement[] = [];
    for (const [name, rows] of ordered) {
      const drifts = rows.filter((r) => !r.allowed).length;
      body.push(el("tr", { class: `group ${drifts ? "drift" : "allowed"}` },
        el("th", { scope: "rowgroup", colspan: String(environments.length + 2) },
          name, drifts ? ` · ${plural(drifts, "drift")}` : ` · ${plural(rows.length, "allowed difference")}`)));
      for (const row of rows) body.push(matrixRow(row, environments));
    }
    out.push(el("table", { class: "matrix", "aria-label": "Parity matrix" }, el("thead", {}, head), el("tbody", {}, ...body)));
  }
  if (report.partial.length) {
    out.push(el("h3", {}, "Resources not in every environment"), el("ul", {}, ...report.partial.map((p) =>
      el("li", { class: p.rule ? "allowed" : "drift" }, `${p.kind}/${p.name}: only in ${p.presentIn.join(", ")}`, p.rule ? ` (allowed by ${p.rule})` : " (not allowed)"))));
  }
  if (report.staleRules.length) {
    out.push(el("h3", {}, "Stale rules"), el("ul", {}, ...report.staleRules.map((s) => el("li", {}, `#${s.index + 1}: ${s.rule} allows nothing today`))));
  }
  return out;
}

function matrixRow(row: ParityRow, environments: string[]): HTMLTableRowElement {
  const first = row.values[environments[0]];
  const cells = environments.map((e) => {
    const value = row.values[e];
    const differs = value !== first;
    return el("td", { class: differs ? "differs" : undefined }, value === null || value === undefined ? "—" : value);
  });
  const statusCell = row.allowed
    ? el("td", { class: "status" }, "allowed", el("span", { class: "rule" }, row.rule ?? ""))
    : el("td", { class: "status" }, "drift", row.source ? el("span", { class: "rule" }, `from ${row.source.kind}/${row.source.name} ${row.source.field}`) : "");
  return el("tr", { class: row.allowed ? "allowed" : "drift" },
    el("th", { scope: "row", class: "field" }, row.field), ...cells, statusCell);
}

// ---------------------------------------------------------------- share, download, open
/** A request a button made; a runaway is reported on the page instead of thrown. */
async function requested(request: Parameters<Engine["request"]>[0]): Promise<Reply | undefined> {
  try {
    return await engine.request(request);
  } catch (e) {
    showBanner(e instanceof Error ? e.message : String(e));
    return undefined;
  }
}

$("share").addEventListener("click", async () => {
  // The link carries exactly what was scanned, whatever is typed while the scan runs.
  const snapshot = { files: copyTree(files), open: openPath };
  const reply = await requested({ kind: "secrets", files: copyTree(snapshot.files) });
  if (!reply?.ok || reply.kind !== "secrets") return;
  if (reply.lines.length) {
    $("share-result").hidden = true;
    showBanner(
      `No share link: ${plural(reply.lines.length, "line")} of this tree hold a secret, and a link would carry it. Remove ${reply.lines.length === 1 ? "it" : "them"} first:`,
      el("ul", { id: "share-refused" }, ...reply.lines.map((l) => el("li", {}, locationButton(l.file, l.line), " ", l.message))),
    );
    bump("shareRefused");
    return;
  }
  const hash = await share.encode(snapshot);
  history.replaceState(null, "", hash);
  const link = $<HTMLInputElement>("share-link");
  link.value = location.href;
  $("share-result").hidden = false;
  banner.hidden = true;
  link.focus();
  link.select();
  navigator.clipboard?.writeText(location.href).catch(() => {});
});

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

$("download-yaml").addEventListener("click", () => {
  const env = preview?.environments.find((e) => tabId(e) === selectedTab) ?? preview?.environments.find((e) => e.output);
  if (!env?.output) return showBanner(`Nothing to download: ${env ? `${env.name} does not build` : "no environment"}.`);
  download(`${env.name}.yaml`, env.output, "application/yaml");
});

$("download-sarif").addEventListener("click", async () => {
  const reply = await requested({ kind: "sarif", files: { ...files } });
  if (reply?.ok && reply.kind === "sarif") download("azfn.sarif", reply.text, "application/sarif+json");
});

$("download-markdown").addEventListener("click", () => {
  if (!parity.report) return showBanner("Nothing to download: the parity report is not ready.");
  download("parity.md", parity.report.markdown, "text/markdown");
});

function loadTree(tree: Tree, open?: string) {
  files = copyTree(tree);
  editorStates.clear();
  lastGood.clear();
  parity = {};
  openPath = "";
  const first = open && Object.hasOwn(files, open) ? open
    : Object.keys(files).sort().find((p) => /overlays\/prod\/[^/]*functionapp/i.test(p))
    ?? Object.keys(files).sort()[0];
  if (first) openFile(first);
  else renderTree();
  edited();
}

const select = $<HTMLSelectElement>("example");
select.append(el("option", { value: "" }, "(your tree)"), ...Object.entries(examples).map(([id, e]) => el("option", { value: id }, e.title)));
select.addEventListener("change", () => {
  const example = examples[select.value];
  if (!example) return;
  history.replaceState(null, "", location.pathname + location.search);
  loadTree(example.tree());
});

async function openDropped(tree: Promise<Tree>) {
  try {
    const loaded = await tree;
    if (!Object.keys(loaded).length) return showBanner("Nothing a kustomize tree uses (YAML, JSON, .env and other text files) was found in what was opened.");
    select.value = "";
    loadTree(loaded);
  } catch (e) {
    showBanner(`Cannot open it: ${e instanceof Error ? e.message : String(e)}`);
  }
}

$("open-zip").addEventListener("click", () => $("zip-input").click());
$("open-folder").addEventListener("click", () => $("folder-input").click());
$<HTMLInputElement>("zip-input").addEventListener("change", (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) void openDropped(file.arrayBuffer().then(unzip));
});
$<HTMLInputElement>("folder-input").addEventListener("change", (e) => {
  const list = (e.target as HTMLInputElement).files;
  if (list?.length) void openDropped(readFileList(list));
});
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("dragging"); });
drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("dragging");
  const items = Array.from(e.dataTransfer?.items ?? []);
  const entries = items.map((i) => i.webkitGetAsEntry?.()).filter((x): x is FileSystemEntry => !!x);
  const zip = Array.from(e.dataTransfer?.files ?? []).find((f) => f.name.endsWith(".zip"));
  if (zip) void openDropped(zip.arrayBuffer().then(unzip));
  else if (entries.length) void openDropped(readEntries(entries));
});

// ---------------------------------------------------------------- start
const rules = new Map<string, string>();
engine.onRestart = (why) => {
  status.textContent = why === "runaway" ? "restarted after a runaway render" : "restarted after the engine crashed";
  bump("workerRestarts");
};

async function start() {
  view = new EditorView({ parent: editorParent, state: newState("") });
  const reply = await engine.request({ kind: "schemas" });
  if (reply.ok && reply.kind === "schemas") {
    setSchemas(reply.schemas);
    for (const r of reply.schemas.rules) rules.set(r.code, r.explanation);
  }
  let initial: share.State | undefined;
  try {
    initial = await share.decode(location.hash);
  } catch (e) {
    linkRefused = `This link was not opened: ${e instanceof Error ? e.message : String(e)}`;
    showBanner(linkRefused);
  }
  initial ??= share.load();
  if (initial) {
    select.value = "";
    loadTree(initial.files, initial.open);
  } else {
    select.value = "orders";
    loadTree(examples.orders.tree());
  }
  document.body.dataset.ready = "true";
}

/** For the browser console and tests: the tree as the page holds it; the open file's text
 * replaced as a keystroke would; a trap of the engine, to prove the worker is replaced. */
(window as unknown as { azfnPreview: object }).azfnPreview = {
  files: () => ({ ...files }),
  replaceOpen: (text: string) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  trap: () => requested({ kind: "trap" }),
};

void start();
