import { nix } from '@replit/codemirror-lang-nix';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { tags as t } from '@lezer/highlight';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

export interface NixProblem {
  line: number;
  column: number;
  message: string;
}

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px', backgroundColor: 'var(--bg-elevated)', color: 'var(--text)' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-gutters': { backgroundColor: 'var(--bg-sunken)', color: 'var(--text-faint)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent-soft) 45%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--accent-soft)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent)' },
  '.cm-tooltip': { backgroundColor: 'var(--bg-elevated)', border: '1px solid var(--border-strong)', color: 'var(--text)', borderRadius: 'var(--radius-sm)', boxShadow: 'var(--shadow)', overflow: 'hidden' },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 6px 0 10px' },
  // the inline error, in the app's own words and colours (light and dark)
  '.cm-tooltip-lint': { maxWidth: 'min(440px, 80vw)' },
  '.cm-diagnostic': { padding: '8px 12px', fontFamily: 'var(--font)', fontSize: '13px', lineHeight: '1.45', color: 'var(--text)', marginLeft: '0' },
  '.cm-diagnostic-error': { borderLeft: '3px solid var(--danger)', backgroundColor: 'var(--danger-soft)' },
  '.cm-diagnostic code': { fontFamily: 'var(--mono)', fontSize: '13px', fontWeight: '700', padding: '0 4px', borderRadius: '3px', backgroundColor: 'var(--bg-elevated)', border: '1px solid var(--border)' },
  '.cm-lintPoint:after': { borderBottomColor: 'var(--danger)' },
});

/** A message with `code` spans, as DOM: the lint tooltip shows `;` as code, not between backquotes. */
function renderMessage(message: string): Node {
  const out = document.createElement('span');
  message.split(/(`[^`]+`)/).forEach((part, i) => {
    if (i % 2 === 1) {
      const code = document.createElement('code');
      code.textContent = part.slice(1, -1);
      out.append(code);
    } else if (part) out.append(part);
  });
  return out;
}

/** Token colours from the app's palette, so light and dark both read well. */
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword], color: 'var(--accent)', fontWeight: '600' },
  { tag: [t.string, t.special(t.string)], color: 'var(--ok)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--warn)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--text-faint)', fontStyle: 'italic' },
  { tag: [t.url, t.link], color: 'var(--ok)', textDecoration: 'underline' },
  { tag: [t.propertyName, t.attributeName], color: 'var(--text)' },
  { tag: [t.variableName], color: 'var(--text)' },
  { tag: [t.operator, t.punctuation, t.bracket], color: 'var(--text-muted)' },
]);

function toDiagnostics(view: EditorView, problems: NixProblem[]): Diagnostic[] {
  const doc = view.state.doc;
  return problems.map((p) => {
    const line = doc.line(Math.min(Math.max(1, p.line), doc.lines));
    const at = Math.min(line.from + Math.max(0, p.column - 1), line.to);
    // where a missing `;` goes (a blank or the end of the line), mark the character before it: a wavy line under a blank is invisible
    const blank = at === line.to || /\s/.test(doc.sliceString(at, at + 1));
    const from = blank && at > line.from ? at - 1 : at;
    return { from, to: Math.min(from + 1, line.to), severity: 'error', message: p.message, renderMessage: () => renderMessage(p.message) };
  });
}

/**
 * CodeMirror 6 with Nix highlighting and inline errors. `check` is asked for problems a moment after
 * each change (nix-instantiate --parse through the app); `goto` puts the cursor on a line.
 */
export function NixEditor({ value, onChange, check, goto, onSave, readOnly = false }: {
  value: string;
  onChange: (text: string) => void;
  check: (text: string) => Promise<NixProblem[]>;
  goto?: { line: number; column?: number; nonce: number } | null;
  onSave?: () => void;
  readOnly?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, check, onSave });
  latest.current = { onChange, check, onSave };

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          // long lines wrap: nothing hides sideways where a scroll bar would sit below the fold
          EditorView.lineWrapping,
          nix(),
          theme,
          syntaxHighlighting(highlight),
          lintGutter(),
          linter(async (ed) => toDiagnostics(ed, await latest.current.check(ed.state.doc.toString())), { delay: 400 }),
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (latest.current.onSave?.(), true) }]),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
          EditorState.readOnly.of(readOnly),
          // tabindex: the scroller's content is a tab stop even where the text is read-only, so the keyboard can scroll it
          EditorView.contentAttributes.of({ 'aria-label': 'Nix configuration editor', tabindex: '0' }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // the editor is made once; outside text changes arrive through the effect below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v || v.state.doc.toString() === value) return;
    // a new text (Undo changes, another file, a restored backup) starts at its top-left corner, measured afresh
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value }, selection: { anchor: 0 }, effects: EditorView.scrollIntoView(0, { x: 'start', y: 'start' }) });
    v.scrollDOM.scrollTo({ left: 0, top: 0 });
    v.requestMeasure();
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (!v || !goto) return;
    const line = v.state.doc.line(Math.min(Math.max(1, goto.line), v.state.doc.lines));
    const pos = Math.min(line.from + Math.max(0, (goto.column ?? 1) - 1), line.to);
    v.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
    v.focus();
  }, [goto]);

  return <div ref={host} className="nix-editor" data-testid="nix-editor" />;
}
