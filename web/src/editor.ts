// The editor: one CodeMirror view whose state is swapped per file, with schema completion and
// hover docs, and the findings and errors of the open file at their lines.
import { EditorState, type Extension } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
} from "@codemirror/view";
import { defaultKeymap, history as undoHistory, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, indentUnit } from "@codemirror/language";
import { yaml } from "@codemirror/lang-yaml";
import { rego } from "./rego";
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";

import { $ } from "./dom";
import { complete, hover } from "./schema";
import { allFindings, editorStates, state } from "./state";
import { renderTree } from "./tree";
import { edited } from "./render";

const editorParent = $<HTMLDivElement>("editor");
export let view: EditorView;
let lastKey = -Infinity;
editorParent.addEventListener("keydown", (e) => { lastKey = e.timeStamp; }, true);

function extensions(path: string): Extension[] {
  const policy = path.endsWith(".rego");
  return [
    lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), drawSelection(), undoHistory(),
    indentUnit.of(policy ? "\t" : "  "), policy ? rego : yaml(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    autocompletion({ override: [complete] }), hover, lintGutter(),
    keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
    EditorView.contentAttributes.of({ "aria-label": "File contents" }),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      state.files[state.openPath] = update.state.doc.toString();
      // Timed from the key press that made the edit, when there was one.
      const now = performance.now();
      edited(now - lastKey < 100 ? lastKey : now);
    }),
  ];
}

/** An editor state for `path`: Rego for `.rego` files, YAML for the rest. */
export function newState(doc: string, path = ""): EditorState {
  return EditorState.create({ doc, extensions: extensions(path) });
}

/** Creates the editor, empty. */
export function startEditor() {
  view = new EditorView({ parent: editorParent, state: newState("") });
}

/** The file's editor state, kept while it is open elsewhere (undo history, selection). Every
 * change to `files` outside the editor drops the path's state. */
function stateFor(path: string): EditorState {
  return editorStates.get(path) ?? newState(state.files[path] ?? "", path);
}

/** Opens `path` in the editor, with `line` selected when given. */
export function openFile(path: string, line?: number) {
  if (!Object.hasOwn(state.files, path)) return;
  if (view && state.openPath) editorStates.set(state.openPath, view.state);
  state.openPath = path;
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
export function showDiagnostics() {
  if (!view) return;
  const found: Diagnostic[] = [];
  const add = (line: number | null | undefined, severity: "error" | "warning" | "info", message: string) => {
    const doc = view.state.doc;
    const at = doc.line(Math.min(Math.max(line ?? 1, 1), doc.lines));
    found.push({ from: at.from, to: at.to, severity, message });
  };
  const errors = new Set<string>();
  for (const env of state.preview?.environments ?? []) {
    if (env.error?.file === state.openPath && !errors.has(env.error.message)) {
      errors.add(env.error.message);
      add(env.error.line, "error", env.error.message);
    }
  }
  for (const { diagnostic: d } of allFindings()) {
    if (d.file === state.openPath) add(d.line, d.severity, `${d.code} ${d.rule}: ${d.message}`);
  }
  if (state.parity.error?.file === state.openPath) add(state.parity.error.line, "error", state.parity.error.message);
  view.dispatch(setDiagnostics(view.state, found));
}
