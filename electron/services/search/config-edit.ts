/**
 * Pure edits of a NixOS or Home Manager configuration file's text: add a package to
 * `environment.systemPackages` / `home.packages`, or set an option. An edit is made only where the
 * layout is one that can be changed safely (a literal list, a plain attribute set); otherwise the
 * result says why and gives the snippet to paste. The caller validates the new text with
 * `nix-instantiate --parse` before writing it.
 */

export type EditResult =
  | { status: 'ready'; text: string; message: string }
  | { status: 'already'; message: string }
  | { status: 'manual'; message: string };

/**
 * The text with comments and the insides of strings blanked to spaces (newlines kept), so searches
 * for code never match inside them. Handles `#` and `/* *\/` comments, "..." and ''...'' strings with
 * their escapes, and `${...}` inside strings (which is code again, and may hold strings itself).
 */
export function codeOnly(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  type Mode = 'code' | 'dq' | 'ind';
  const stack: { mode: Mode; braces: number }[] = [{ mode: 'code', braces: 0 }];
  let i = 0;
  while (i < text.length) {
    const top = stack[stack.length - 1]!;
    const c = text[i]!;
    const next = text[i + 1];
    if (top.mode === 'code') {
      if (c === '#') {
        const end = text.indexOf('\n', i);
        const stop = end < 0 ? text.length : end;
        blank(i, stop);
        i = stop;
      } else if (c === '/' && next === '*') {
        const end = text.indexOf('*/', i + 2);
        const stop = end < 0 ? text.length : end + 2;
        blank(i, stop);
        i = stop;
      } else if (c === '"') {
        stack.push({ mode: 'dq', braces: 0 });
        i++;
      } else if (c === "'" && next === "'") {
        stack.push({ mode: 'ind', braces: 0 });
        i += 2;
      } else if (c === '{') {
        top.braces++;
        i++;
      } else if (c === '}') {
        if (top.braces === 0 && stack.length > 1) {
          stack.pop(); // end of ${ ... } inside a string
        } else top.braces--;
        i++;
      } else i++;
    } else if (top.mode === 'dq') {
      if (c === '\\') {
        blank(i, i + 2);
        i += 2;
      } else if (c === '"') {
        stack.pop();
        i++;
      } else if (c === '$' && next === '{') {
        stack.push({ mode: 'code', braces: 0 });
        i += 2;
      } else {
        blank(i, i + 1);
        i++;
      }
    } else {
      if (c === "'" && next === "'") {
        const third = text[i + 2];
        if (third === "'" || third === '$') {
          blank(i, i + 3);
          i += 3;
        } else if (third === '\\') {
          blank(i, i + 4);
          i += 4;
        } else {
          stack.pop();
          i += 2;
        }
      } else if (c === '$' && next === '{') {
        stack.push({ mode: 'code', braces: 0 });
        i += 2;
      } else {
        blank(i, i + 1);
        i++;
      }
    }
  }
  return out.join('');
}

const identifier = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `pkgs.foo.bar`, quoting segments that are not plain identifiers (`pkgs."2048-in-terminal"`) */
export function packageReference(attr: string, withPkgs: boolean): string {
  const segments = attr.split('.');
  if (segments.every((s) => identifier.test(s))) return withPkgs ? attr : `pkgs.${attr}`;
  return `pkgs.${segments.map((s) => (identifier.test(s) ? s : `"${s}"`)).join('.')}`;
}

export function packageSnippet(attr: string, listPath: string): string {
  return `${listPath} = with pkgs; [\n  ${packageReference(attr, true)}\n];`;
}

/** every place `path =` is defined at code level (not inside comments or strings) */
function definitions(code: string, dottedPath: string): number[] {
  const re = new RegExp(`(?<![A-Za-z0-9_'.-])${escapeRe(dottedPath)}\\s*=(?!=)`, 'g');
  const at: number[] = [];
  for (let m = re.exec(code); m; m = re.exec(code)) at.push(m.index + m[0].length);
  return at;
}

/** index of the bracket closing the one at `open`, in code-only text */
function matching(code: string, open: number): number {
  const pairs: Record<string, string> = { '[': ']', '(': ')', '{': '}' };
  const stack: string[] = [];
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    if (pairs[c]) stack.push(pairs[c]!);
    else if (c === ']' || c === ')' || c === '}') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** the items of a literal list at its top level: words and parenthesized groups */
function listItems(code: string, from: number, to: number): string[] {
  const items: string[] = [];
  let i = from;
  while (i < to) {
    const c = code[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      const end = matching(code, i);
      items.push(code.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < to && !/[\s([{]/.test(code[j]!)) j++;
    items.push(code.slice(i, j));
    i = j;
  }
  return items;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function indentOf(text: string, at: number): string {
  const start = lineStart(text, at);
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** the indentation one level in, as the file does it (two spaces if it cannot tell) */
function indentUnit(text: string): string {
  const m = /^([ \t]+)\S/m.exec(text);
  return m && m[1]!.length <= 8 ? m[1]! : '  ';
}

/** Where a new top-level definition goes: before the closing brace of the module's attribute set. */
function topLevelInsertion(text: string, code: string): { at: number; indent: string } | null {
  const trimmed = code.trimEnd();
  if (!trimmed.endsWith('}')) return null;
  const close = trimmed.length - 1;
  // the module body must be `{ ... }` (possibly after `args:`); find its opening brace
  let depth = 0;
  let open = -1;
  for (let i = close; i >= 0; i--) {
    const c = code[i]!;
    if (c === '}') depth++;
    else if (c === '{') {
      depth--;
      if (depth === 0) {
        open = i;
        break;
      }
    }
  }
  if (open < 0) return null;
  const before = code.slice(0, open).trim();
  if (before !== '' && !before.endsWith(':')) return null;
  const inner = code.slice(open + 1, close);
  const m = /\n([ \t]+)[A-Za-z_]/.exec(inner);
  const indent = m ? m[1]! : indentUnit(text);
  // insert after the last non-blank character before the closing brace, on a new line
  let at = close;
  while (at > 0 && /\s/.test(text[at - 1]!)) at--;
  // keep a trailing comment on that line: move to the end of the line
  const eol = text.indexOf('\n', at);
  at = eol >= 0 && eol < close ? eol : at;
  return { at, indent };
}

function takesPkgs(code: string): boolean {
  return /^\s*\{[^{}]*\bpkgs\b[^{}]*\}\s*:/.test(code) || /^\s*pkgs\s*:/.test(code);
}

/** Add a package to `environment.systemPackages` or `home.packages`. */
export function addPackage(text: string, attr: string, listPath: 'environment.systemPackages' | 'home.packages'): EditResult {
  const code = codeOnly(text);
  const defs = definitions(code, listPath);
  const last = listPath.split('.').pop()!;
  const head = listPath.split('.')[0]!;
  if (defs.length > 1) return { status: 'manual', message: `${listPath} is set in more than one place in this file, so the app cannot tell which list to change.` };
  if (defs.length === 0) {
    if (new RegExp(`\\b${last}\\b`).test(code) || definitions(code, head).length) {
      return { status: 'manual', message: `This file sets ${last} inside a "${head} = { ... }" block, which the app does not edit.` };
    }
    if (!takesPkgs(code)) return { status: 'manual', message: 'This file does not take "pkgs" as an argument, so a package list cannot be added to it safely.' };
    const spot = topLevelInsertion(text, code);
    if (!spot) return { status: 'manual', message: 'The app could not find where this file’s settings end, so it cannot add a package list safely.' };
    const unit = indentUnit(text);
    const block = `\n${spot.indent}${listPath} = with pkgs; [\n${spot.indent}${unit}${packageReference(attr, true)}\n${spot.indent}];`;
    return { status: 'ready', text: text.slice(0, spot.at) + block + text.slice(spot.at), message: `Adds a new ${listPath} list with ${attr}.` };
  }
  let i = defs[0]!;
  while (/\s/.test(code[i] ?? '')) i++;
  let withPkgs = false;
  const withMatch = /^with\s+pkgs\s*;\s*/.exec(code.slice(i));
  if (withMatch) {
    withPkgs = true;
    i += withMatch[0].length;
  }
  if (code[i] !== '[') return { status: 'manual', message: `${listPath} is computed (not a plain list) in this file, so the app will not change it.` };
  const open = i;
  const close = matching(code, open);
  if (close < 0) return { status: 'manual', message: `The list in ${listPath} is not closed, so the file may have a syntax error.` };
  let after = close + 1;
  while (/\s/.test(code[after] ?? '')) after++;
  if (code[after] !== ';') return { status: 'manual', message: `${listPath} joins its list with something else (for example "++"), so the app will not change it.` };

  const items = listItems(code, open + 1, close);
  const ref = packageReference(attr, withPkgs);
  const candidates = new Set([ref, `pkgs.${attr}`, packageReference(attr, false), withPkgs ? attr : '']);
  if (items.some((it) => candidates.has(it))) return { status: 'already', message: `${attr} is already in ${listPath}.` };

  const inside = text.slice(open + 1, close);
  let next: string;
  if (inside.includes('\n')) {
    const closeLineStart = lineStart(text, close);
    const closeLineBlank = text.slice(closeLineStart, close).trim() === '';
    const lines = inside.split('\n').slice(1);
    if (closeLineBlank) lines.pop();
    const itemLines = lines.filter((l) => l.trim() !== '');
    const itemIndent = itemLines.length ? /^[ \t]*/.exec(itemLines[itemLines.length - 1]!)![0] : indentOf(text, close) + indentUnit(text);
    if (closeLineBlank) next = `${text.slice(0, closeLineStart)}${itemIndent}${ref}\n${text.slice(closeLineStart)}`;
    else next = `${text.slice(0, close).replace(/[ \t]*$/, '')} ${ref} ${text.slice(close)}`;
  } else {
    const before = text.slice(0, close);
    const trimmedBefore = before.replace(/[ \t]*$/, '');
    const emptyList = text.slice(open + 1, close).trim() === '';
    if (emptyList) next = `${text.slice(0, open + 1)} ${ref} ${text.slice(close)}`;
    else {
      const spaced = before.length !== trimmedBefore.length;
      next = `${trimmedBefore} ${ref}${spaced ? ' ' : ''}${text.slice(close)}`;
    }
  }
  return { status: 'ready', text: next, message: `Adds ${attr} to ${listPath}.` };
}

/** `name = value;` with a multi-line value indented to sit under its name */
export function optionSnippet(name: string, value: string, indent = ''): string {
  const lines = value.replace(/;\s*$/, '').trimEnd().split('\n');
  const body = lines.map((l, k) => (k === 0 ? l : `${indent}${l}`)).join('\n');
  return `${indent}${name} = ${body};`;
}

/** Set an option that the file does not set yet. */
export function addOption(text: string, name: string, value: string): EditResult {
  if (name.split('.').some((s) => /^<.*>$|^\*$/.test(s))) {
    return { status: 'manual', message: `${name} has a placeholder in its name (such as <name>): replace it with your own name and paste the snippet.` };
  }
  const code = codeOnly(text);
  if (definitions(code, name).length) return { status: 'already', message: `${name} is already set in this file. Change it there.` };
  const segments = name.split('.');
  for (let k = 1; k < segments.length; k++) {
    const prefix = segments.slice(0, k).join('.');
    if (definitions(code, prefix).length) {
      return { status: 'manual', message: `This file sets ${prefix} as a block ("${prefix} = { ... }"). Add the line inside that block yourself.` };
    }
  }
  const spot = topLevelInsertion(text, code);
  if (!spot) return { status: 'manual', message: 'The app could not find where this file’s settings end, so it cannot add the option safely.' };
  const line = optionSnippet(name, value, spot.indent);
  return { status: 'ready', text: `${text.slice(0, spot.at)}\n${line}${text.slice(spot.at)}`, message: `Sets ${name}.` };
}
