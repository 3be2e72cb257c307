// The parts of CodeMirror 6 the studio uses, re-exported as one ES module.
// Rebuilt into ../static/vendor/codemirror.js by `make studio-bundle` (see README.md here).
export { EditorState, StateEffect, StateField } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, Decoration,
} from "@codemirror/view";
export {
  defaultKeymap, history, historyKeymap, indentWithTab,
} from "@codemirror/commands";
export {
  syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, foldGutter,
  foldKeymap, indentUnit,
} from "@codemirror/language";
export { yaml } from "@codemirror/lang-yaml";
export {
  autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap, startCompletion,
  completionStatus, currentCompletions, acceptCompletion,
} from "@codemirror/autocomplete";
export { linter, lintGutter, setDiagnostics, forceLinting, diagnosticCount } from "@codemirror/lint";
export { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
