/**
 * Reads Nix's `--log-format internal-json` stream (stderr lines `@nix {json}`) into live build progress,
 * human log lines and the Nix error with its position. Pure: no I/O, no timers; fed one line at a time.
 *
 * The counting follows Nix's own progress bar (src/libmain/progress-bar.cc): per activity type, the
 * finished activities' done/failed plus every live activity's done/expected/running/failed, and
 * `expected` raised to what parents announced with "set expected" results.
 */
import { derivationName } from './store-names';
import { stripAnsi } from './text';

/** Activity types (src/libutil/logging.hh) */
export const ActivityType = {
  unknown: 0,
  copyPath: 100,
  fileTransfer: 101,
  realise: 102,
  copyPaths: 103,
  builds: 104,
  build: 105,
  optimiseStore: 106,
  verifyPaths: 107,
  substitute: 108,
  queryPathInfo: 109,
  postBuildHook: 110,
  buildWaiting: 111,
} as const;

/** Result types (src/libutil/logging.hh) */
export const ResultType = {
  fileLinked: 100,
  buildLogLine: 101,
  untrustedPath: 102,
  corruptedPath: 103,
  setPhase: 104,
  progress: 105,
  setExpected: 106,
  postBuildLogLine: 107,
} as const;

/** Nix verbosity levels: 0 error, 1 warn, 2 notice, 3 info, 4 talkative, 5 chatty, 6 debug, 7 vomit */
const LEVEL_TALKATIVE = 4;
const LEVEL_INFO = 3;

export interface NixErrorLocation {
  file: string;
  line: number;
  column: number;
}

export interface NixError {
  /** the error as Nix printed it, without colours */
  text: string;
  /** the first line of the message, without the "error:" prefix */
  summary: string;
  /** where in a Nix file, when Nix said (the innermost position in a file outside the store wins) */
  location: NixErrorLocation | null;
  /** a file named without a line, e.g. "In `/etc/nixos/configuration.nix'" in module-system errors */
  file: string | null;
  /** a build failure: the derivation whose builder failed (not one that only had a failed dependency) */
  failedDerivation?: string;
  /** that builder's last output lines, when Nix showed them or the log stream carried them */
  logTail?: string[];
  /** a flake file that exists but git does not track (so Nix's copy lacks it), as mapFlakeError found it */
  untracked?: { file: string; repo: string; relative: string };
}

/** How many of a builder's last output lines a build failure keeps (Nix's own default log-lines is 25). */
export const LOG_TAIL_LINES = 25;

/**
 * The messages Nix prints when a build fails. The first derivation that failed is the one to name:
 * Nix ends with summaries about the derivations that depended on it.
 * - "builder for '<drv>' failed with exit code 1" (Nix 2.8 to 2.26 at least)
 * - "Cannot build '<drv>'.\n Reason: builder failed with exit code 1." (newer Nix)
 * - summaries: "1 dependencies of derivation '<drv>' failed to build", "build of '<drv>' failed"
 */
const BUILDER_FAILED = /^builder for '(\/[^']+\.drv)' failed (.*?);?$/m;
const CANNOT_BUILD = /^Cannot build '(\/[^']+\.drv)'\.\s*(?:Reason: (.*?)\.?$)?/m;
const DEPENDENCY_SUMMARY = /^(?:\d+ dependencies of derivation '[^']+' failed to build|build of '[^']+' failed(?::|$))/;

/** A build failure in an error's text: the derivation and the reason ("exit code 1"), else null. */
export function buildFailureIn(message: string): { drv: string; reason: string } | null {
  const text = message.replace(/^error:\s*/, '');
  if (DEPENDENCY_SUMMARY.test(text) && !/Cannot build/.test(text)) return null;
  const b = BUILDER_FAILED.exec(text);
  if (b) return { drv: b[1]!, reason: b[2]!.replace(/;$/, '').replace(/^with /, '') };
  const c = CANNOT_BUILD.exec(text.replace(/^build of '[^']+' failed:\s*/, ''));
  if (c && !/dependenc/.test(c[2] ?? '')) return { drv: c[1]!, reason: (c[2] ?? 'the builder failed').replace(/^builder failed (?:with )?/, '') };
  return null;
}

/** "last 2 log lines:" / "Last 25 log lines:" followed by "> line" rows, as Nix prints them under a build failure. */
function logTailIn(text: string): string[] | null {
  const m = /^\s*[Ll]ast \d+ log lines:\n((?:\s*>.*(?:\n|$))+)/m.exec(text);
  if (!m) return null;
  return m[1]!.split('\n').filter((l) => /^\s*>/.test(l)).map((l) => l.replace(/^\s*> ?/, ''));
}

/** The headline of a build failure: which package, and why. */
function buildFailureSummary(drv: string, reason: string): string {
  return `${derivationName(drv)} failed to build (${reason.replace(/\.$/, '')})`;
}

export interface BuildCounts {
  done: number;
  expected: number;
  running: number;
  failed: number;
}

export interface NixProgress {
  builds: BuildCounts;
  /** store paths fetched from a binary cache */
  downloads: BuildCounts;
  /** bytes fetched (NAR copies, or file transfers when no copy is under way) */
  bytesDone: number;
  bytesExpected: number;
  /** what Nix is doing now, in a few words ("building hello-2.12 (buildPhase)") */
  activity: string;
  /** names of the derivations being built right now */
  runningBuilds: string[];
}

interface Activity {
  type: number;
  text: string;
  level: number;
  /** derivation or path name, for build log prefixes */
  name: string;
  phase: string;
  done: number;
  expected: number;
  running: number;
  failed: number;
  /** what this activity announced it expects of other activity types */
  expectedByType: Map<number, number> | null;
  /** a build's derivation path, and its last output lines */
  drv: string;
  tail: string[] | null;
}

interface TypeTotals {
  /** done/failed of activities that have stopped */
  done: number;
  failed: number;
  /** sum of set-expected announcements from live parents */
  expected: number;
  live: Set<Activity>;
}

function describeActivity(a: Activity, fields: unknown[] | undefined): string {
  switch (a.type) {
    case ActivityType.build:
      return `building ${a.name}`;
    case ActivityType.substitute:
      return `downloading ${a.name}`;
    case ActivityType.copyPath:
      return `copying ${a.name}`;
    case ActivityType.queryPathInfo:
      return `asking the cache about ${a.name}`;
    case ActivityType.fileTransfer: {
      const url = typeof fields?.[0] === 'string' ? (fields[0] as string) : '';
      return url ? `downloading ${url.slice(url.lastIndexOf('/') + 1) || url}` : stripAnsi(a.text);
    }
    case ActivityType.postBuildHook:
      return `running post-build hook for ${a.name}`;
    default:
      return stripAnsi(a.text);
  }
}

function nameFromFields(type: number, fields: unknown[] | undefined): string {
  const first = fields?.[0];
  if (typeof first !== 'string') return '';
  if (type === ActivityType.build || type === ActivityType.substitute || type === ActivityType.copyPath || type === ActivityType.queryPathInfo || type === ActivityType.postBuildHook) {
    return derivationName(first);
  }
  return '';
}

interface RawEntry {
  action?: string;
  id?: number;
  type?: number;
  level?: number;
  text?: string;
  msg?: string;
  fields?: unknown[];
  parent?: number;
  file?: string | null;
  line?: number | null;
  column?: number | null;
  trace?: { file?: string | null; line?: number | null; column?: number | null }[];
}

/** What one line meant to a person: a line for the log (or null) and whether the progress moved. */
export interface FeedResult {
  log: string | null;
  progressChanged: boolean;
}

const NOTHING: FeedResult = Object.freeze({ log: null, progressChanged: false }) as FeedResult;
const MOVED: FeedResult = Object.freeze({ log: null, progressChanged: true }) as FeedResult;

export class NixLogParser {
  private readonly activities = new Map<number, Activity>();
  private readonly totals = new Map<number, TypeTotals>();
  private current: Activity | null = null;
  private currentText = '';
  /** errors in the order Nix reported them */
  readonly errors: NixError[] = [];
  /** plain stderr lines (not @nix) seen, kept short for error extraction when Nix ran without internal-json */
  readonly plainTail: string[] = [];
  /** each build's last output lines, by derivation path (kept after it stops: the failure is reported later) */
  private readonly buildTails = new Map<string, string[]>();
  lines = 0;

  /** Feed one stderr or stdout line. */
  feed(line: string): FeedResult {
    this.lines++;
    if (!line.startsWith('@nix {')) {
      if (this.plainTail.length >= 400) this.plainTail.shift();
      this.plainTail.push(line);
      return { log: stripAnsi(line), progressChanged: false };
    }
    let entry: RawEntry;
    try {
      entry = JSON.parse(line.slice(5)) as RawEntry;
    } catch {
      return { log: line, progressChanged: false };
    }
    switch (entry.action) {
      case 'result':
        return this.onResult(entry);
      case 'start':
        return this.onStart(entry);
      case 'stop':
        return this.onStop(entry);
      case 'msg':
        return this.onMsg(entry);
      default:
        return NOTHING;
    }
  }

  progress(): NixProgress {
    const builds = this.stats(ActivityType.builds);
    const downloads = this.stats(ActivityType.copyPaths);
    let bytes = this.stats(ActivityType.copyPath);
    if (bytes.expected === 0 && bytes.done === 0) bytes = this.stats(ActivityType.fileTransfer);
    const runningBuilds: string[] = [];
    const live = this.totals.get(ActivityType.build)?.live;
    if (live) for (const a of live) runningBuilds.push(a.phase ? `${a.name} (${a.phase})` : a.name);
    return {
      builds,
      downloads,
      bytesDone: bytes.done,
      bytesExpected: Math.max(bytes.expected, bytes.done),
      activity: this.currentActivityText(),
      runningBuilds,
    };
  }

  /**
   * The error to show: the last one Nix reported with a position in a user file; else the first build
   * failure (the derivation whose builder failed, with its last output lines, not the summaries about
   * what depended on it); else the last error.
   */
  mainError(): NixError | null {
    if (this.errors.length === 0) return parseNixErrorText(this.plainTail.join('\n'));
    const withUserFile = [...this.errors].reverse().find((e) => e.location && !e.location.file.startsWith('/nix/store/'));
    if (withUserFile) return withUserFile;
    const build = this.errors.find((e) => e.failedDerivation);
    if (build) {
      const tail = build.logTail?.length ? build.logTail : this.buildTails.get(build.failedDerivation!);
      return tail?.length ? withLogTail(build, tail) : build;
    }
    return this.errors[this.errors.length - 1]!;
  }

  private totalsFor(type: number): TypeTotals {
    let t = this.totals.get(type);
    if (!t) {
      t = { done: 0, failed: 0, expected: 0, live: new Set() };
      this.totals.set(type, t);
    }
    return t;
  }

  private stats(type: number): BuildCounts {
    const t = this.totals.get(type);
    if (!t) return { done: 0, expected: 0, running: 0, failed: 0 };
    const out = { done: t.done, expected: t.done, running: 0, failed: t.failed };
    for (const a of t.live) {
      out.done += a.done;
      out.expected += a.expected;
      out.running += a.running;
      out.failed += a.failed;
    }
    out.expected = Math.max(out.expected, t.expected);
    return out;
  }

  private currentActivityText(): string {
    const a = this.current;
    if (!a) return this.currentText;
    return a.phase ? `${this.currentText} (${a.phase})` : this.currentText;
  }

  private onStart(e: RawEntry): FeedResult {
    if (typeof e.id !== 'number') return NOTHING;
    const type = e.type ?? 0;
    const a: Activity = {
      type,
      text: e.text ?? '',
      level: e.level ?? 0,
      name: nameFromFields(type, e.fields),
      phase: '',
      done: 0,
      expected: 0,
      running: 0,
      failed: 0,
      expectedByType: null,
      drv: type === ActivityType.build && typeof e.fields?.[0] === 'string' ? (e.fields[0] as string) : '',
      tail: type === ActivityType.build ? [] : null,
    };
    this.activities.set(e.id, a);
    if (a.drv) {
      this.buildTails.set(a.drv, a.tail!);
      // a system has thousands of builds; a failure is reported right after its build stops
      if (this.buildTails.size > 256) this.buildTails.delete(this.buildTails.keys().next().value!);
    }
    this.totalsFor(type).live.add(a);
    const meaningful = type === ActivityType.build || type === ActivityType.substitute || type === ActivityType.fileTransfer || type === ActivityType.copyPath || type === ActivityType.postBuildHook || (a.text !== '' && a.level <= LEVEL_INFO);
    if (meaningful) {
      this.current = a;
      this.currentText = describeActivity(a, e.fields);
    }
    const log = a.text && a.level <= LEVEL_INFO && type !== ActivityType.queryPathInfo ? stripAnsi(a.text) : null;
    return log ? { log, progressChanged: true } : MOVED;
  }

  private onStop(e: RawEntry): FeedResult {
    if (typeof e.id !== 'number') return NOTHING;
    const a = this.activities.get(e.id);
    if (!a) return NOTHING;
    this.activities.delete(e.id);
    const t = this.totalsFor(a.type);
    t.done += a.done;
    t.failed += a.failed;
    t.live.delete(a);
    if (a.expectedByType) for (const [type, n] of a.expectedByType) this.totalsFor(type).expected -= n;
    // A finished build or substitution counts as done even when no progress result said so.
    if (a === this.current) {
      this.current = null;
      // fall back to another live activity of interest, newest first
      for (const other of [...this.activities.values()].reverse()) {
        if (other.type === ActivityType.build || other.type === ActivityType.substitute || other.type === ActivityType.fileTransfer) {
          this.current = other;
          this.currentText = describeActivity(other, undefined);
          break;
        }
      }
      if (!this.current) this.currentText = '';
    }
    return MOVED;
  }

  private onResult(e: RawEntry): FeedResult {
    const fields = e.fields;
    const a = typeof e.id === 'number' ? this.activities.get(e.id) : undefined;
    switch (e.type) {
      case ResultType.progress: {
        if (!a || !fields) return NOTHING;
        a.done = (fields[0] as number) || 0;
        a.expected = (fields[1] as number) || 0;
        a.running = (fields[2] as number) || 0;
        a.failed = (fields[3] as number) || 0;
        return MOVED;
      }
      case ResultType.setExpected: {
        if (!a || !fields) return NOTHING;
        const type = fields[0] as number;
        const n = (fields[1] as number) || 0;
        a.expectedByType ??= new Map();
        const t = this.totalsFor(type);
        t.expected += n - (a.expectedByType.get(type) ?? 0);
        a.expectedByType.set(type, n);
        return MOVED;
      }
      case ResultType.buildLogLine:
      case ResultType.postBuildLogLine: {
        const text = typeof fields?.[0] === 'string' ? stripAnsi(fields[0]) : '';
        if (a?.tail) {
          if (a.tail.length >= LOG_TAIL_LINES) a.tail.shift();
          a.tail.push(text);
        }
        return { log: a?.name ? `${a.name}> ${text}` : text, progressChanged: false };
      }
      case ResultType.setPhase: {
        if (!a) return NOTHING;
        a.phase = typeof fields?.[0] === 'string' ? fields[0] : '';
        return { log: a.name ? `${a.name}> ${a.phase}` : null, progressChanged: true };
      }
      case ResultType.untrustedPath:
      case ResultType.corruptedPath:
        return { log: `${e.type === ResultType.untrustedPath ? 'untrusted' : 'corrupted'} path: ${String(fields?.[0] ?? '')}`, progressChanged: false };
      default:
        return NOTHING;
    }
  }

  private onMsg(e: RawEntry): FeedResult {
    const level = e.level ?? 0;
    if (level > LEVEL_TALKATIVE) return NOTHING;
    const text = stripAnsi(e.msg ?? '');
    if (level === 0 && /^error\b/.test(text)) this.errors.push(errorFromMsg(e, text));
    return { log: text, progressChanged: false };
  }
}

function validLocation(file: unknown, line: unknown, column: unknown): NixErrorLocation | null {
  if (typeof file !== 'string' || !file.startsWith('/') || typeof line !== 'number' || line < 1) return null;
  const col = typeof column === 'number' && column > 0 ? column : 1;
  // Nix 2.8 sends the file name; newer Nix (seen in 2.26) sends the printed position "file:line:col"
  const position = `:${line}:${col}`;
  return { file: file.endsWith(position) ? file.slice(0, -position.length) : file, line, column: col };
}

function errorFromMsg(e: RawEntry, text: string): NixError {
  const fromText = parseNixErrorText(text);
  let location = validLocation(e.file, e.line, e.column);
  // Prefer a position in the user's own files over one inside nixpkgs (the trace lists outer frames).
  if ((!location || location.file.startsWith('/nix/store/')) && e.trace) {
    for (const t of e.trace) {
      const l = validLocation(t.file, t.line, t.column);
      if (l && !l.file.startsWith('/nix/store/')) {
        location = l;
        break;
      }
    }
  }
  if (!location || (location.file.startsWith('/nix/store/') && fromText?.location && !fromText.location.file.startsWith('/nix/store/'))) {
    location = fromText?.location ?? location;
  }
  const build = buildFailureIn(text);
  if (build) return buildError(text, build, logTailIn(text));
  return {
    text,
    summary: fromText?.summary ?? summaryLine(text.replace(/^error:\s*/, '').split('\n')[0]!),
    location,
    file: fromText?.file ?? null,
  };
}

function buildError(text: string, build: { drv: string; reason: string }, tail: string[] | null): NixError {
  return { text, summary: buildFailureSummary(build.drv, build.reason), location: null, file: null, failedDerivation: build.drv, ...(tail?.length ? { logTail: tail } : {}) };
}

/** The error with the builder's last lines under Nix's message, unless Nix already printed them. */
function withLogTail(error: NixError, tail: string[]): NixError {
  const text = logTailIn(error.text) ? error.text : `${error.text}\nlast ${tail.length} log line${tail.length === 1 ? '' : 's'} of ${derivationName(error.failedDerivation!)}:\n${tail.map((l) => `> ${l}`).join('\n')}`;
  return { ...error, text, logTail: tail };
}

/** An error's first line as a headline: without the "Definition values:" that introduces the lines after it. */
function summaryLine(line: string): string {
  return line.replace(/\s*Definition values:\s*$/, '').trim();
}

/** ` at /etc/nixos/configuration.nix:12:5` (Nix ≥ 2.4: on its own line, ending in ":"; older Nix: at the end of the message) */
const AT_POSITION = /(?:^|\s|,\s)at (\/[^\s:]+(?:\.nix)?):(\d+):(\d+)(?::|\b)/g;
/** "In `/etc/nixos/configuration.nix'" and "defined in `/etc/nixos/x.nix'" from the module system */
const IN_FILE = /(?:In|in) [`'‘"](\/[^`'’"\s]+\.nix)[`'’"]/;

/**
 * The Nix error inside plain stderr text (`nix-instantiate`, `nixos-rebuild` without internal-json):
 * the last "error:" block, its first line, and the first position in a file outside the store
 * (else the first position at all).
 */
export function parseNixErrorText(raw: string): NixError | null {
  const text = stripAnsi(raw);
  const start = text.lastIndexOf('error:');
  if (start < 0) return null;
  const build = firstBuildFailureBlock(text);
  if (build) return build;
  // The start of that error: back up to the first "error:" of a trailing group (show-trace prints many).
  let blockStart = start;
  const firstError = text.search(/(?:^|\n)error:/);
  if (firstError >= 0) blockStart = text[firstError] === '\n' ? firstError + 1 : firstError;
  const block = text.slice(blockStart).replace(/\s+$/, '');
  const lastBlock = text.slice(start);
  const summary = summaryLine(lastBlock.replace(/^error:\s*/, '').split('\n')[0]!.replace(/,?\s+at \/\S+:\d+:\d+:?\s*$/, ''));
  const positions: NixErrorLocation[] = [];
  for (const m of block.matchAll(AT_POSITION)) positions.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]) });
  const location = positions.find((p) => !p.file.startsWith('/nix/store/')) ?? positions[0] ?? null;
  const file = IN_FILE.exec(block)?.[1] ?? null;
  return { text: block, summary, location, file };
}

/**
 * In plain output, a build failure is one "error:" block per failed derivation and one per summary; the
 * first block naming a failed builder is the one to show, with the log lines Nix printed under it (the
 * new CLI) or, for nix-build, the builder's output printed before it.
 */
function firstBuildFailureBlock(text: string): NixError | null {
  const blocks = text.split(/\n(?=error:)/);
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!.slice(blocks[i]!.indexOf('error:')).replace(/\s+$/, '');
    if (!block.startsWith('error:')) continue;
    const build = buildFailureIn(block);
    if (!build) continue;
    let tail = logTailIn(block);
    if (!tail && i > 0) {
      // nix-build prints the builder's output between "building '<drv>'..." and the error
      const before = blocks[i - 1]!.split('\n');
      const from = before.findLastIndex((l) => l.startsWith(`building '${build.drv}'`));
      if (from >= 0) tail = before.slice(from + 1).filter((l) => l !== '').slice(-LOG_TAIL_LINES);
    }
    const error = buildError(block, build, tail);
    return tail?.length ? withLogTail(error, tail) : error;
  }
  return null;
}

/** For module-system errors that name a file but no line: the first line of that file mentioning the option. */
export function locateOptionInText(source: string, message: string): { line: number; column: number } | null {
  const m = /option [`'‘]([^`'’]+)[`'’]/.exec(message);
  if (!m) return null;
  const parts = m[1]!.split('.');
  const lines = source.split('\n');
  for (let take = parts.length; take >= 1; take--) {
    const needle = parts.slice(parts.length - take).join('.');
    for (let i = 0; i < lines.length; i++) {
      const col = lines[i]!.indexOf(needle);
      if (col >= 0 && !/^\s*#/.test(lines[i]!)) return { line: i + 1, column: col + 1 };
    }
  }
  return null;
}
