// The preview page: a kustomize tree in editors on the left, what each environment renders,
// azfn's findings and the parity matrix on the right, re-rendered on every edit by the azfn core
// in a Web Worker. This module starts it; the parts live in state (what the page holds), editor,
// tree (the file pane), render (the render loop), views (the result tabs) and actions (toolbar).
import { bump } from "./dom";
import { examples } from "./examples";
import { setSchemas } from "./schema";
import * as share from "./share";
import { engine, rules, state } from "./state";
import { startEditor, view } from "./editor";
import { showBanner, showStatus } from "./render";
import { exampleSelect, loadTree, requested } from "./actions";

engine.onRestart = (why) => {
  showStatus(why === "runaway" ? "restarted after a runaway render" : "restarted after the engine crashed");
  bump("workerRestarts");
};

async function start() {
  startEditor();
  const reply = await engine.request({ kind: "schemas" });
  if (reply.ok && reply.kind === "schemas") {
    setSchemas(reply.schemas);
    for (const r of reply.schemas.rules) rules.set(r.code, r.explanation);
  }
  let initial: share.State | undefined;
  try {
    initial = await share.decode(location.hash);
  } catch (e) {
    state.linkRefused = `This link was not opened: ${e instanceof Error ? e.message : String(e)}`;
    showBanner(state.linkRefused);
  }
  initial ??= share.load();
  if (initial) {
    exampleSelect.value = "";
    loadTree(initial.files, initial.open);
  } else {
    exampleSelect.value = "orders";
    loadTree(examples.orders.tree());
  }
  document.body.dataset.ready = "true";
}

/** For the browser console and tests: the tree as the page holds it; the open file's text
 * replaced as a keystroke would; a trap of the engine, to prove the worker is replaced. */
(window as unknown as { azfnPreview: object }).azfnPreview = {
  files: () => ({ ...state.files }),
  replaceOpen: (text: string) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  trap: () => requested({ kind: "trap" }),
};

void start();
