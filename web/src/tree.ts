// The file tree: the files by folder, and adding, renaming and deleting them.
import { $, el } from "./dom";
import { editorStates, state } from "./state";
import { newState, openFile, view } from "./editor";
import { edited } from "./render";

const treeList = $<HTMLUListElement>("tree");

export function renderTree() {
  const items: HTMLElement[] = [];
  let folder = "";
  for (const path of Object.keys(state.files).sort()) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    if (dir !== folder) {
      folder = dir;
      if (dir) items.push(el("li", { class: "folder", role: "none" }, dir + "/"));
    }
    const name = path.slice(dir ? dir.length + 1 : 0);
    const button = el("button", {
      type: "button", role: "treeitem", "aria-selected": String(path === state.openPath),
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
  if (Object.hasOwn(state.files, path)) return `${path} exists.`;
  return undefined;
}

$("file-add").addEventListener("click", () => {
  const open = state.openPath;
  const dir = open.includes("/") ? open.slice(0, open.lastIndexOf("/") + 1) : "";
  ask("New file path", dir, "Create", (path) => {
    const problem = validPath(path);
    if (problem) return problem;
    state.files[path] = "";
    openFile(path);
    edited();
    return undefined;
  });
});

$("file-rename").addEventListener("click", () => {
  if (!state.openPath) return;
  const from = state.openPath;
  ask(`Rename ${from} to`, from, "Rename", (to) => {
    if (to === from) return undefined;
    const problem = validPath(to);
    if (problem) return problem;
    state.files[to] = state.files[from];
    delete state.files[from];
    editorStates.delete(from);
    state.openPath = "";
    openFile(to);
    edited();
    return undefined;
  });
});

$("file-delete").addEventListener("click", () => {
  if (!state.openPath) return;
  const path = state.openPath;
  ask(`Delete ${path}? Type its name to confirm`, "", "Delete", (typed) => {
    if (typed !== path.split("/").pop()) return `Type ${path.split("/").pop()} to delete it.`;
    delete state.files[path];
    editorStates.delete(path);
    state.openPath = "";
    const next = Object.keys(state.files).sort()[0];
    if (next) openFile(next);
    else { view.setState(newState("")); renderTree(); }
    edited();
    return undefined;
  });
});
