// The result views: a tab per environment (its YAML, errors and findings), the diff between two
// environments, every finding, and the parity matrix with the line that set each differing value.
import { EditorState } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { yaml } from "@codemirror/lang-yaml";
import { MergeView } from "@codemirror/merge";

import { $, el, plural } from "./dom";
import { allFindings, lastGood, rules, state, tabId } from "./state";
import { openFile } from "./editor";
import type { Diagnostic, EnvironmentPreview, ParityRow } from "../pkg/azfn_wasm.js";

const tabs = $<HTMLDivElement>("tabs");
const panel = $<HTMLDivElement>("panel");

export function renderTabs() {
  const preview = state.preview;
  if (!preview) return;
  const parity = state.parity;
  const findingCount = allFindings().filter((f) => f.diagnostic.severity !== "info").length;
  const entries: [string, string, string?][] = [
    ...preview.environments.map((e): [string, string, string?] => [tabId(e), e.name, e.fails ? "fails" : undefined]),
    ["diff", "Diff"],
    ["findings", `Findings (${findingCount})`, findingCount ? "has-findings" : undefined],
    ["parity", parity.report ? `Parity (${parity.report.summary.failures})` : "Parity", parity.report?.summary.failures || parity.error ? "fails" : undefined],
  ];
  tabs.replaceChildren(...entries.map(([id, label, cls]) => {
    const tab = el("button", {
      type: "button", role: "tab", id: `tab-${id}`, "data-tab": id, class: cls,
      "aria-selected": String(id === state.selectedTab), "aria-controls": "panel", tabindex: id === state.selectedTab ? "0" : "-1",
    }, label);
    tab.addEventListener("click", () => selectTab(id));
    return tab;
  }));
  panel.setAttribute("aria-labelledby", `tab-${state.selectedTab}`);
}

tabs.addEventListener("keydown", (e) => {
  const all = Array.from(tabs.querySelectorAll<HTMLButtonElement>("[role=tab]"));
  const at = all.findIndex((t) => t.dataset.tab === state.selectedTab);
  const to = e.key === "ArrowRight" ? at + 1 : e.key === "ArrowLeft" ? at - 1 : e.key === "Home" ? 0 : e.key === "End" ? all.length - 1 : undefined;
  if (to === undefined) return;
  e.preventDefault();
  const tab = all[(to + all.length) % all.length];
  selectTab(tab.dataset.tab!);
  tabs.querySelector<HTMLButtonElement>(`[data-tab="${CSS.escape(tab.dataset.tab!)}"]`)?.focus();
});

function selectTab(id: string) {
  state.selectedTab = id;
  renderTabs();
  renderPanel();
}

export function renderPanel() {
  const preview = state.preview;
  if (!preview) return;
  state.mergeView?.destroy();
  state.mergeView = undefined;
  if (!preview.environments.length) {
    return panel.replaceChildren(el("p", {}, "No environment: the tree has no kustomization.yaml. Add one (New), pick an example, or open a repository's folder or zip."));
  }
  if (state.selectedTab === "diff") return panel.replaceChildren(...diffView());
  if (state.selectedTab === "findings") return panel.replaceChildren(...findingsView());
  if (state.selectedTab === "parity") return panel.replaceChildren(...parityView());
  const env = preview.environments.find((e) => tabId(e) === state.selectedTab);
  if (env) panel.replaceChildren(...environmentView(env));
}

/** `file:line` as a button that opens the file at the line. */
export function locationButton(file: string | null | undefined, line: number | null | undefined): HTMLElement {
  if (!file) return el("span", { class: "where" });
  const button = el("button", { type: "button", class: "link where", "data-file": file, "data-line": String(line ?? 1) }, `${file}:${line ?? 1}`);
  button.addEventListener("click", () => openFile(file, line ?? undefined));
  return button;
}

/** An error with the place it points at. */
function errorBox(message: string, file?: string | null, line?: number | null): HTMLElement {
  return el("div", { class: "error", role: "alert" }, el("p", {}, message), ...(file ? [locationButton(file, line)] : []));
}

function findingItem(d: Diagnostic, envs?: string[]): HTMLLIElement {
  const ref = d.resource;
  const explanation = rules.get(d.code);
  return el("li", { class: `finding ${d.severity}` },
    el("span", { class: "severity" }, d.severity), " ",
    el("span", { class: "code" }, [d.code, d.rule].filter(Boolean).join(" ")), " ",
    el("span", { class: "message" }, d.message),
    el("span", { class: "meta" },
      ref ? `${ref.kind}/${ref.name}${d.field ? " " + d.field : ""}` : "",
      envs?.length ? ` · in ${envs.join(", ")}` : ""),
    locationButton(d.file, d.line),
    ...(d.suggestion ? [el("p", { class: "suggestion" }, d.suggestion)] : []),
    ...(d.related ?? []).map((r) => el("p", { class: "related" }, `${r.message}: `, locationButton(r.file, r.line))),
    ...(explanation ? [el("details", {}, el("summary", {}, "Why"), el("p", {}, explanation))] : []));
}

function environmentView(env: EnvironmentPreview): Node[] {
  const out: Node[] = [el("h3", {}, `${env.name} `, el("span", { class: "path" }, env.dir || "."))];
  if (env.error) {
    out.push(errorBox(env.error.message, env.error.file, env.error.line));
  } else if (env.fails) {
    out.push(errorBox(`azfn build fails in ${env.name}: it prints nothing until the errors below are fixed.`));
  }
  if (env.findings.length) out.push(el("ul", { class: "findings" }, ...env.findings.map((f) => findingItem(f))));
  const output = env.output ?? lastGood.get(env.name);
  if (output !== undefined) {
    if (!env.output) out.push(el("p", { class: "stale" }, "The last good render, from before this error:"));
    out.push(el("pre", { class: env.output ? "yaml" : "yaml stale", "aria-label": `Rendered YAML of ${env.name}`, tabindex: "0", "data-env": env.name }, ...yamlChunks(output)));
  }
  return out;
}

/** Lines per block of rendered YAML. */
const CHUNK_LINES = 100;

/** The output in blocks of lines the browser lays out only when they scroll into view
 * (`content-visibility: auto`): an environment of 1,000 resources is 10,000 lines, which took
 * 60 ms to lay out and paint on each edit as one text. The text is the same. */
function yamlChunks(output: string): HTMLElement[] {
  const lines = output.split(/(?<=\n)/);
  const chunks: HTMLElement[] = [];
  for (let i = 0; i < lines.length; i += CHUNK_LINES) {
    const part = lines.slice(i, i + CHUNK_LINES);
    chunks.push(el("span", { class: "chunk", style: `contain-intrinsic-block-size: auto ${part.length}lh` }, part.join("")));
  }
  return chunks;
}

function diffView(): Node[] {
  const envs = state.preview!.environments;
  if (envs.length < 2) return [el("p", {}, "A diff needs two environments.")];
  const names = envs.map((e) => e.name);
  let pair = state.diffPair;
  if (!pair || !names.includes(pair[0]) || !names.includes(pair[1])) {
    const prod = names.find((n) => n === "prod") ?? names[names.length - 1];
    pair = state.diffPair = [names[0] === prod ? names[1] : names[0], prod];
  }
  const chosen = pair;
  const select = (index: 0 | 1, label: string) => {
    const s = el("select", { id: `diff-${index}` }, ...names.map((n) => el("option", { value: n, selected: n === chosen[index] }, n)));
    s.addEventListener("change", () => { chosen[index] = s.value; renderPanel(); });
    return [el("label", { for: `diff-${index}` }, label), s];
  };
  const host = el("div", { class: "merge", "aria-label": "Diff between environments" });
  const text = (name: string) => envs.find((e) => e.name === name)?.output ?? lastGood.get(name) ?? "";
  const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false), lineNumbers(), yaml(), syntaxHighlighting(defaultHighlightStyle)];
  state.mergeView = new MergeView({
    a: { doc: text(chosen[0]), extensions: readOnly },
    b: { doc: text(chosen[1]), extensions: readOnly },
    parent: host, collapseUnchanged: { margin: 3, minSize: 6 }, gutter: true,
  });
  return [el("div", { class: "bar" }, ...select(0, "From"), ...select(1, "To")), host];
}

function findingsView(): Node[] {
  const out: Node[] = [];
  const errors = state.preview!.environments.filter((e) => e.error);
  if (errors.length) {
    out.push(el("h3", {}, "Build errors"), el("ul", { class: "findings" }, ...errors.map((e) => el("li", { class: "finding error" },
      el("span", { class: "severity" }, "error"), " ", el("span", { class: "message" }, e.error!.message),
      el("span", { class: "meta" }, `in ${e.name}`), locationButton(e.error!.file, e.error!.line)))));
  }
  const findings = allFindings();
  out.push(el("h3", {}, "Findings"));
  out.push(findings.length
    ? el("ul", { class: "findings", "aria-label": "Findings" }, ...findings.map((f) => findingItem(f.diagnostic, f.envs)))
    : el("p", {}, "No findings."));
  return out;
}

function parityView(): Node[] {
  const { error, report } = state.parity;
  if (error) return [errorBox(error.message, error.file, error.line)];
  if (!report) return [el("p", {}, "Comparing environments…")];
  const { summary, environments } = report;
  const policy = state.preview?.policy;
  const out: Node[] = [el("p", { class: "summary" },
    policy ? `By ${policy}: ` : "No ParityPolicy in the tree: every difference is shown. ",
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

/** A field's value in each environment; a value that differs links to the line that set it. */
function matrixRow(row: ParityRow, environments: string[]): HTMLTableRowElement {
  const first = row.values[environments[0]];
  const cells = environments.map((e) => {
    const value = row.values[e];
    const differs = value !== first;
    const at = row.setAt?.[e];
    return el("td", { class: differs ? "differs" : undefined },
      value === null || value === undefined ? "—" : value,
      // Builds name files from the tree's root (`/overlays/prod/...`); the tree's paths are relative.
      ...(at ? [el("br"), locationButton(at.file.replace(/^\/+/, ""), at.line ?? undefined)] : []));
  });
  const statusCell = row.allowed
    ? el("td", { class: "status" }, "allowed", el("span", { class: "rule" }, row.rule ?? ""))
    : el("td", { class: "status" }, "drift", row.source ? el("span", { class: "rule" }, `from ${row.source.kind}/${row.source.name} ${row.source.field}`) : "");
  return el("tr", { class: row.allowed ? "allowed" : "drift" },
    el("th", { scope: "row", class: "field" }, row.field), ...cells, statusCell);
}
