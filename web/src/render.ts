// The render loop: every edit renders the tree in the worker (edits made meanwhile are rendered
// together next), then compares the environments, then refreshes every view.
import { $, el, bump, plural } from "./dom";
import { Runaway } from "./engine";
import type { Tree } from "./examples";
import * as share from "./share";
import { engine, lastGood, state, tabId } from "./state";
import { showDiagnostics } from "./editor";
import { renderPanel, renderTabs } from "./views";

const status = $<HTMLSpanElement>("status");
const banner = $<HTMLDivElement>("banner");
let version = 0;
/** When the oldest edit not yet on screen was made (for keystroke-to-view timing). */
let editAt: number | undefined;
let rendering = false;
let saveTimer: number | undefined;

/** The tree changed at `at`: save it for the next visit and render it. */
export function edited(at = performance.now()) {
  version++;
  editAt ??= at;
  $("share-result").hidden = true;
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => share.save({ files: state.files, open: state.openPath }), 300);
  schedule();
}

/** Renders now if the worker is idle; edits made meanwhile are rendered together next. */
function schedule() {
  if (!rendering) void render();
}

async function render() {
  rendering = true;
  const snapshot = { ...state.files };
  const at = version;
  const started = editAt;
  status.textContent = "rendering…";
  let rendered = false;
  try {
    const reply = await engine.request({ kind: "preview", files: snapshot });
    if (reply.ok && reply.kind === "preview") {
      state.preview = reply.preview;
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
  const preview = state.preview;
  if (!preview) return;
  const started = editedAt ?? performance.now();
  try {
    const reply = await engine.request({
      kind: "parity", files: snapshot, policy: preview.policy ?? null,
      environments: preview.environments.map(({ name, dir }) => ({ name, dir })),
    });
    if (version !== at) return;
    state.parity = reply.ok && reply.kind === "parity"
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

/** A message above the results, with more (a list, a link) after it. */
export function showBanner(message: string, ...extra: Node[]) {
  banner.replaceChildren(el("p", {}, message), ...extra);
  banner.hidden = false;
}

export function hideBanner() {
  banner.hidden = true;
}

/** Shows the status line's message (the engine restarted, and why). */
export function showStatus(message: string) {
  status.textContent = message;
}

function showPreview(ms: number) {
  const preview = state.preview!;
  state.lastMs = ms;
  if (state.linkRefused) showBanner(state.linkRefused);
  else banner.hidden = true;
  state.linkRefused = undefined;
  for (const env of preview.environments) if (env.output) lastGood.set(env.name, env.output);
  if (!preview.environments.some((e) => tabId(e) === state.selectedTab) && !["diff", "findings", "parity"].includes(state.selectedTab)) {
    state.selectedTab = preview.environments[0] ? tabId(preview.environments[0]) : "findings";
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

function updateStatus() {
  const preview = state.preview;
  if (!preview) return;
  const envs = preview.environments;
  const failing = envs.filter((e) => e.fails).length;
  const drift = state.parity.report?.summary.failures;
  status.textContent = [
    plural(envs.length, "environment"),
    failing ? `${failing} failing` : "all build",
    drift === undefined ? "" : drift ? plural(drift, "drift") : "in parity",
    `rendered in ${state.lastMs.toFixed(0)} ms`,
  ].filter(Boolean).join(" · ");
}
