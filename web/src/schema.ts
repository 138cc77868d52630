// Completion and hover docs for the kinds users write (FunctionApp, ParityPolicy, Azfn), from the
// JSON Schemas the core exports. YAML is read by indentation, which is all a block-style
// manifest needs: the path to the cursor is the chain of less-indented keys above it.
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { hoverTooltip, type Tooltip } from "@codemirror/view";
import type { EditorState } from "@codemirror/state";
import type { JsonSchema, Schemas } from "./worker";

let schemas: Schemas | undefined;

export function setSchemas(value: Schemas) {
  schemas = value;
}

/** The `kind:` of the YAML document around line `n` (1-based). */
function documentAround(state: EditorState, n: number): { kind: string | undefined; first: number; last: number } {
  let first = n;
  while (first > 1 && !/^---\s*$/.test(state.doc.line(first - 1).text)) first--;
  let last = n;
  while (last < state.doc.lines && !/^---\s*$/.test(state.doc.line(last + 1).text)) last++;
  let kind: string | undefined;
  for (let i = first; i <= last; i++) {
    const m = /^kind:\s*["']?([A-Za-z]+)/.exec(state.doc.line(i).text);
    if (m) kind = m[1];
  }
  return { kind, first, last };
}

function schemaFor(kind: string | undefined): JsonSchema | undefined {
  if (kind === "FunctionApp") return schemas?.functionApp;
  if (kind === "ParityPolicy") return schemas?.parityPolicy;
  if (kind === "Azfn") return schemas?.azfn;
  return undefined;
}

const indentOf = (text: string) => text.length - text.trimStart().length;

/**
 * The keys from the document's top down to the mapping whose keys sit at `column` on line `n`
 * (1-based); a list item contributes `[]`. `inItem`: line `n` is itself a list item whose dash
 * is at `column`, so a key at that same column above is its parent (`functions:` then `- name`).
 */
function pathAt(state: EditorState, n: number, column: number, first: number, inItem = false): string[] {
  const path: string[] = [];
  let indent = column;
  let afterItem = inItem;
  for (let i = n - 1; i >= first && indent > 0; i--) {
    const text = state.doc.line(i).text;
    if (!text.trim() || text.trimStart().startsWith("#")) continue;
    const at = indentOf(text);
    const item = /^\s*-(?:\s+(.*))?$/.exec(text);
    if (item) {
      // A sibling item, or one deeper than us: not on our path.
      if (at >= indent) continue;
      const inner = /^([A-Za-z0-9_.-]+):\s*(#.*)?$/.exec(item[1] ?? "");
      if (inner && at + 2 < indent) path.unshift(inner[1]);
      path.unshift("[]");
      indent = at;
      afterItem = true;
      continue;
    }
    if (at < indent || (at === indent && afterItem)) {
      const key = /^\s*([A-Za-z0-9_.-]+):\s*(#.*)?$/.exec(text);
      if (!key) break;
      path.unshift(key[1]);
      indent = at;
      afterItem = false;
    }
  }
  return path;
}

/** The path to the keys of line `n`, whose key starts at `column` (after `- ` if `item`). */
function pathOfLine(state: EditorState, n: number, column: number, first: number, item: boolean): string[] {
  if (!item) return pathAt(state, n, column, first);
  return [...pathAt(state, n, column - 2, first, true), "[]"];
}

function alternatives(schema: JsonSchema): JsonSchema[] {
  return [schema, ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
}

function child(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  if (!schema) return undefined;
  for (const s of alternatives(schema)) {
    if (key === "[]" && s.items) return s.items;
    if (s.properties?.[key]) return s.properties[key];
    if (key !== "[]" && typeof s.additionalProperties === "object") return s.additionalProperties;
  }
  return undefined;
}

function walk(schema: JsonSchema | undefined, path: string[]): JsonSchema | undefined {
  let at = schema;
  for (const key of path) at = child(at, key);
  // A list's keys are its items' keys.
  if (at?.items && !at.properties) at = at.items;
  return at;
}

function properties(schema: JsonSchema | undefined): [string, JsonSchema][] {
  if (!schema) return [];
  return alternatives(schema).flatMap((s) => Object.entries(s.properties ?? {}));
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((e) => JSON.stringify(e)).join(" | ");
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  return schema.type ?? "";
}

/** Keys of the FunctionApp or ParityPolicy object at the cursor, with their docs. */
export function complete(context: CompletionContext): CompletionResult | null {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const m = /^(\s*)(- )?([A-Za-z0-9_.-]*)$/.exec(before);
  if (!m) return null;
  const { kind, first } = documentAround(context.state, line.number);
  const root = schemaFor(kind);
  if (!root) return null;
  const path = pathOfLine(context.state, line.number, m[1].length + (m[2] ? 2 : 0), first, !!m[2]);
  const schema = walk(root, path);
  const options = properties(schema).map(([name, s]) => ({
    label: name,
    type: "property",
    detail: typeOf(s),
    info: s.description,
    apply: `${name}: `,
  }));
  if (!options.length) return null;
  return { from: context.pos - m[3].length, options, validFor: /^[A-Za-z0-9_.-]*$/ };
}

/** The schema's description of the key under the pointer. */
export const hover = hoverTooltip((view, pos): Tooltip | null => {
  const line = view.state.doc.lineAt(pos);
  const m = /^(\s*)(- )?([A-Za-z0-9_.-]+):/.exec(line.text);
  if (!m) return null;
  const start = line.from + m[1].length + (m[2] ? 2 : 0);
  const end = start + m[3].length;
  if (pos < start || pos > end) return null;
  const { kind, first } = documentAround(view.state, line.number);
  const root = schemaFor(kind);
  if (!root) return null;
  const path = pathOfLine(view.state, line.number, m[1].length + (m[2] ? 2 : 0), first, !!m[2]);
  const schema = child(walk(root, path), m[3]);
  if (!schema) return null;
  return {
    pos: start,
    end,
    above: true,
    create() {
      const dom = document.createElement("div");
      dom.className = "schema-doc";
      const title = document.createElement("strong");
      title.textContent = `${kind} ${[...path, m[3]].filter((p) => p !== "[]").join(".")}`;
      const type = document.createElement("code");
      type.textContent = typeOf(schema);
      const text = document.createElement("p");
      text.textContent = schema.description ?? "";
      dom.append(title, " ", type, text);
      return { dom };
    },
  };
});
