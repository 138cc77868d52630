// What the page holds: the tree, the open file, the last results, and the engine that makes
// them. Every other module reads and writes it here, so no state hides in a module's locals.
import type { EditorState } from "@codemirror/state";
import type { MergeView } from "@codemirror/merge";

import { emptyTree, type Tree } from "./examples";
import { Engine } from "./engine";
import type { Preview, EnvironmentPreview, ParityReport, Diagnostic } from "../pkg/azfn_wasm.js";

export type ParityState = { report?: ParityReport; error?: { message: string; file?: string; line?: number } };

export const state = {
  files: emptyTree() as Tree,
  openPath: "",
  preview: undefined as Preview | undefined,
  parity: {} as ParityState,
  selectedTab: "",
  diffPair: undefined as [string, string] | undefined,
  mergeView: undefined as MergeView | undefined,
  /** The last render's time in the engine. */
  lastMs: 0,
  /** Why the link the page was opened with was refused: shown with the first render, which
   * would otherwise clear it before anyone read it. */
  linkRefused: undefined as string | undefined,
};

/** Each environment's last output, kept on screen while it fails. */
export const lastGood = new Map<string, string>();
/** Each file's editor state while another file is open (undo history, selection). */
export const editorStates = new Map<string, EditorState>();
/** Each rule's explanation, by code. */
export const rules = new Map<string, string>();
export const engine = new Engine();

export const tabId = (env: EnvironmentPreview) => `env:${env.name}`;

export type Shared = { diagnostic: Diagnostic; envs: string[] };

/** Every environment's findings, one entry for a finding several environments share. */
export function allFindings(): Shared[] {
  const out: Shared[] = [];
  for (const env of state.preview?.environments ?? []) {
    for (const f of env.findings) {
      const same = out.find(({ diagnostic: d }) => d.code === f.code && d.message === f.message && d.file === f.file && d.line === f.line);
      if (same) same.envs.push(env.name);
      else out.push({ diagnostic: f, envs: [env.name] });
    }
  }
  return out;
}
