/**
 * Where a Nix syntax error really is, for a person reading the file.
 *
 * Nix reports a missing `;` at the token after it ("syntax error, unexpected '=', expecting ';'" at the
 * next line's `=`, because `"nixbox" services.openssh.enable` parses as a function call). The `;` belongs
 * at the end of the last token before that: this finds it, skipping blanks and comments, and stepping back
 * over the attribute path when Nix stopped at its `=`.
 *
 * Nix counts columns in bytes of UTF-8; editors count characters. Positions returned here are characters.
 */

import { readFile } from 'node:fs/promises';
import type { NixError } from './nix-log';

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

interface Token {
  start: number;
  end: number;
  /** name: an identifier, string or `${…}` (what an attribute path is made of); dot; other */
  kind: 'name' | 'dot' | 'other';
}

const MISSING_SEMICOLON = /\bunexpected (.+?), expecting (?:[^\n]*?)';'/;

const PATH = /[A-Za-z0-9._+-]*(?:\/[A-Za-z0-9._+-]+)+\/?|<[A-Za-z0-9._+/-]+>|~(?:\/[A-Za-z0-9._+-]+)+\/?/y;
const URI = /[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9%/?:@&=+$,_.!~*'-]+/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_'-]*/y;

function matchAt(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.exec(text) ? re.lastIndex : -1;
}

/** The end of a `${ … }` whose `${` starts at `at` (strings and comments inside are skipped whole). */
function skipInterpolation(text: string, at: number, stop: number): number {
  let depth = 1;
  let i = at + 2;
  while (i < stop && depth > 0) {
    const c = text[i]!;
    if (c === '"' || (c === "'" && text[i + 1] === "'")) i = skipString(text, i, stop);
    else if (c === '#') i = lineEnd(text, i);
    else if (c === '/' && text[i + 1] === '*') i = blockCommentEnd(text, i);
    else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      i++;
    }
  }
  return i;
}

/** The end of a "…" or ''…'' string starting at `at`. */
function skipString(text: string, at: number, stop: number): number {
  if (text[at] === '"') {
    let i = at + 1;
    while (i < stop) {
      const c = text[i]!;
      if (c === '\\') i += 2;
      else if (c === '"') return i + 1;
      else if (c === '$' && text[i + 1] === '{') i = skipInterpolation(text, i, stop);
      else i++;
    }
    return i;
  }
  let i = at + 2;
  while (i < stop) {
    if (text.startsWith("''", i)) {
      const next = text[i + 2];
      if (next === '$' || next === "'") i += 3;
      else if (next === '\\') i += 4;
      else return i + 2;
    } else if (text.startsWith('${', i)) i = skipInterpolation(text, i, stop);
    else i++;
  }
  return i;
}

const lineEnd = (text: string, at: number) => {
  const n = text.indexOf('\n', at);
  return n < 0 ? text.length : n;
};
const blockCommentEnd = (text: string, at: number) => {
  const n = text.indexOf('*/', at + 2);
  return n < 0 ? text.length : n + 2;
};

/** The tokens of `text` before `stop`, without blanks and comments. */
function tokensBefore(text: string, stop: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < stop) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      i = lineEnd(text, i);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      i = blockCommentEnd(text, i);
      continue;
    }
    const start = i;
    let kind: Token['kind'] = 'other';
    if (c === '"' || (c === "'" && text[i + 1] === "'")) {
      i = skipString(text, i, stop);
      kind = 'name';
    } else if (c === '$' && text[i + 1] === '{') {
      i = skipInterpolation(text, i, stop);
      kind = 'name';
    } else {
      const end = [PATH, URI, NUMBER, IDENT].map((re) => matchAt(re, text, i)).find((e) => e > i);
      if (end !== undefined) {
        kind = /[A-Za-z_]/.test(c) && matchAt(IDENT, text, i) === end ? 'name' : 'other';
        i = end;
      } else {
        kind = c === '.' ? 'dot' : 'other';
        i++;
      }
    }
    tokens.push({ start, end: i, kind });
  }
  return tokens;
}

/** Offset in `text` of a 1-based line and a 1-based column counted in UTF-8 bytes, as Nix counts. */
function offsetOf(text: string, line: number, byteColumn: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const n = text.indexOf('\n', start);
    if (n < 0) return text.length;
    start = n + 1;
  }
  const end = lineEnd(text, start);
  let bytes = 1;
  let i = start;
  while (i < end && bytes < byteColumn) {
    const code = text.codePointAt(i)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code > 0xffff ? 2 : 1;
  }
  return i;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** What Nix stopped at, in a few characters: "`=`", "`in`", "the end of the file". */
function describeStop(text: string, offset: number, unexpected: string): string {
  if (offset >= text.length || /end of file/.test(unexpected)) return 'the end of the file';
  const rest = text.slice(offset);
  const word = /^[A-Za-z_][A-Za-z0-9_'-]*/.exec(rest)?.[0] ?? rest[0]!;
  return `\`${word.length > 24 ? `${word.slice(0, 24)}…` : word}\``;
}

export interface MissingSemicolon {
  /** where the `;` goes (characters, 1-based): right after the token that lacks it */
  line: number;
  column: number;
  /** that token, and whether only blanks or a comment follow it on its line */
  after: string;
  atLineEnd: boolean;
  /** what Nix stopped at ("`=`", "the end of the file") and on which line */
  stoppedAt: string;
  stoppedLine: number;
}

/** For Nix's "unexpected X, expecting ';'" at a line and byte column: where the `;` is missing, else null. */
export function findMissingSemicolon(source: string, problem: SyntaxProblem): MissingSemicolon | null {
  const missing = MISSING_SEMICOLON.exec(problem.message);
  if (!missing) return null;
  // Nix 2.8 puts "unexpected end of file" at the last token when the file has no final newline
  const at = /end of file/.test(missing[1]!) ? source.length : offsetOf(source, problem.line, problem.column);
  const tokens = tokensBefore(source, at);
  let j = tokens.length - 1;
  if (/^'='$/.test(missing[1]!)) {
    // `a = 1 \n b.c = 2`: Nix read `1 b.c` as a call, so the `;` goes before the attribute path
    while (j >= 0 && tokens[j]!.kind === 'name') {
      j--;
      if (j >= 0 && tokens[j]!.kind === 'dot') j--;
      else break;
    }
  }
  const before = tokens[j];
  if (!before) return null;
  const where = positionOf(source, before.end);
  return {
    ...where,
    after: source.slice(before.start, before.end).slice(0, 24),
    atLineEnd: /^\s*(?:#.*)?$/.test(source.slice(before.end, lineEnd(source, before.end))),
    stoppedAt: describeStop(source, at, missing[1]!),
    stoppedLine: positionOf(source, at).line,
  };
}

/**
 * A syntax error as a person should see it in the editor: positions in characters, and a missing `;`
 * placed right after the token that lacks it, with a message that says so. Anything else keeps Nix's words.
 */
export function placeSyntaxError(source: string, problem: SyntaxProblem): SyntaxProblem {
  const m = findMissingSemicolon(source, problem);
  if (!m) return { ...problem, ...positionOf(source, offsetOf(source, problem.line, problem.column)) };
  const stop = `Nix stopped at ${m.stoppedAt}${m.stoppedLine !== m.line ? ` on line ${m.stoppedLine}` : ''}`;
  const what = m.atLineEnd ? 'at its end' : `after \`${m.after}\``;
  return { line: m.line, column: m.column, message: `Line ${m.line} is missing a \`;\` ${what} (${stop}).` };
}

/**
 * The same for an error from a build or an evaluation: when it is a missing `;` in a file that can be read,
 * its location moves to where the `;` goes and its summary says so. Other errors come back as they were.
 */
export async function placeNixError<E extends NixError>(error: E): Promise<E> {
  const loc = error.location;
  if (!loc || !MISSING_SEMICOLON.test(error.summary)) return error;
  const source = await readFile(loc.file, 'utf8').catch(() => null);
  const m = source === null ? null : findMissingSemicolon(source, { line: loc.line, column: loc.column, message: error.summary });
  if (!m) return error;
  const summary = m.atLineEnd ? 'a `;` is missing at the end of a line' : `a \`;\` is missing after \`${m.after}\``;
  return { ...error, summary, location: { file: loc.file, line: m.line, column: m.column } };
}
