// Rego syntax highlighting for policy files: a small stream tokenizer (keywords, strings, raw
// strings, numbers, comments, operators); CodeMirror has no Rego package.
import { StreamLanguage, type StreamParser } from "@codemirror/language";

const keywords = new Set([
  "package", "import", "default", "not", "some", "every", "in", "if", "contains", "with", "as", "else",
]);
const atoms = new Set(["true", "false", "null", "input", "data"]);

const parser: StreamParser<{ raw: boolean }> = {
  name: "rego",
  startState: () => ({ raw: false }),
  token(stream, state) {
    if (state.raw) {
      if (stream.skipTo("`")) { stream.next(); state.raw = false; } else stream.skipToEnd();
      return "string";
    }
    if (stream.eatSpace()) return null;
    if (stream.match("#")) { stream.skipToEnd(); return "comment"; }
    if (stream.match("`")) { state.raw = true; return "string"; }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^-?\d+(\.\d+)?([eE][-+]?\d+)?/)) return "number";
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (keywords.has(word)) return "keyword";
      if (atoms.has(word)) return "atom";
      return stream.peek() === "(" ? "function" : "variableName";
    }
    if (stream.match(/^(:=|==|!=|<=|>=|[=<>+\-*/%|&])/)) return "operator";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "#" } },
};

export const rego = StreamLanguage.define(parser);
