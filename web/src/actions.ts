// What the toolbar does: share a link (refused while the tree holds a secret), download the
// YAML, SARIF or the parity report, and open an example, a zip or a folder.
import { $, el, bump, plural } from "./dom";
import { copyTree, examples, type Tree } from "./examples";
import type { Engine } from "./engine";
import type { Reply } from "./worker";
import * as share from "./share";
import { unzip, readEntries, readFileList } from "./zip";
import { editorStates, engine, lastGood, state, tabId } from "./state";
import { openFile } from "./editor";
import { renderTree } from "./tree";
import { edited, hideBanner, showBanner } from "./render";
import { locationButton } from "./views";

/** A request a button made; a runaway is reported on the page instead of thrown. */
export async function requested(request: Parameters<Engine["request"]>[0]): Promise<Reply | undefined> {
  try {
    return await engine.request(request);
  } catch (e) {
    showBanner(e instanceof Error ? e.message : String(e));
    return undefined;
  }
}

$("share").addEventListener("click", async () => {
  // The link carries exactly what was scanned, whatever is typed while the scan runs.
  const snapshot = { files: copyTree(state.files), open: state.openPath };
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
  hideBanner();
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
  const envs = state.preview?.environments;
  const env = envs?.find((e) => tabId(e) === state.selectedTab) ?? envs?.find((e) => e.output);
  if (!env?.output) return showBanner(`Nothing to download: ${env ? `${env.name} does not build` : "no environment"}.`);
  download(`${env.name}.yaml`, env.output, "application/yaml");
});

$("download-sarif").addEventListener("click", async () => {
  const reply = await requested({ kind: "sarif", files: { ...state.files } });
  if (reply?.ok && reply.kind === "sarif") download("azfn.sarif", reply.text, "application/sarif+json");
});

$("download-markdown").addEventListener("click", () => {
  const report = state.parity.report;
  if (!report) return showBanner("Nothing to download: the parity report is not ready.");
  download("parity.md", report.markdown, "text/markdown");
});

/** Replaces the tree, opening `open` (else the prod FunctionApp, else the first file). */
export function loadTree(tree: Tree, open?: string) {
  state.files = copyTree(tree);
  editorStates.clear();
  lastGood.clear();
  state.parity = {};
  state.openPath = "";
  const paths = Object.keys(state.files).sort();
  const first = open && Object.hasOwn(state.files, open) ? open
    : paths.find((p) => /overlays\/prod\/[^/]*functionapp/i.test(p)) ?? paths[0];
  if (first) openFile(first);
  else renderTree();
  edited();
}

export const exampleSelect = $<HTMLSelectElement>("example");
exampleSelect.append(el("option", { value: "" }, "(your tree)"), ...Object.entries(examples).map(([id, e]) => el("option", { value: id }, e.title)));
exampleSelect.addEventListener("change", () => {
  const example = examples[exampleSelect.value];
  if (!example) return;
  history.replaceState(null, "", location.pathname + location.search);
  loadTree(example.tree());
});

async function openDropped(tree: Promise<Tree>) {
  try {
    const loaded = await tree;
    if (!Object.keys(loaded).length) return showBanner("Nothing a kustomize tree uses (YAML, JSON, .env and other text files) was found in what was opened.");
    exampleSelect.value = "";
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
