import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { CommandFailed } from '../../exec/runner';

/** What Nix's database records about one store path. */
export interface PathInfo {
  path: string;
  narSize: number;
  references: string[];
  /** only with `closureSize: true` */
  closureSize?: number;
}

export const NIX_COMMAND = ['--extra-experimental-features', 'nix-command'] as const;

/** `nix path-info --json` printed an array before Nix 2.19 and an object keyed by path since; read both. */
export function parsePathInfoJson(stdout: string): PathInfo[] {
  const parsed = JSON.parse(stdout) as unknown;
  const entries: [string | undefined, Record<string, unknown>][] = Array.isArray(parsed)
    ? (parsed as Record<string, unknown>[]).map((v) => [undefined, v])
    : Object.entries(parsed as Record<string, Record<string, unknown> | null>).flatMap(([k, v]) => (v ? [[k, v] as [string, Record<string, unknown>]] : []));
  const out: PathInfo[] = [];
  for (const [key, v] of entries) {
    const path = typeof v.path === 'string' ? v.path : key;
    if (!path || v.valid === false) continue;
    out.push({
      path,
      narSize: typeof v.narSize === 'number' ? v.narSize : 0,
      references: Array.isArray(v.references) ? (v.references as string[]) : [],
      ...(typeof v.closureSize === 'number' ? { closureSize: v.closureSize } : {}),
    });
  }
  return out;
}

/**
 * One `nix path-info --json` call for many paths (with `recursive`, their whole closures).
 * A path Nix does not know becomes a not-found error naming it.
 */
export async function queryPathInfo(
  ctx: AppContext,
  paths: readonly string[],
  opts: { recursive?: boolean; closureSize?: boolean; signal?: AbortSignal } = {},
): Promise<Map<string, PathInfo>> {
  const unique = [...new Set(paths)];
  if (unique.length === 0) return new Map();
  const args = [...NIX_COMMAND, 'path-info', '--json', ...(opts.recursive ? ['--recursive'] : []), ...(opts.closureSize ? ['--closure-size'] : []), ...unique];
  try {
    const { stdout } = await ctx.runner.run('nix', args, { timeoutMs: 300_000, signal: opts.signal });
    return new Map(parsePathInfoJson(stdout).map((i) => [i.path, i]));
  } catch (err) {
    notInStore(err);
  }
}

function notInStore(err: unknown): never {
  if (err instanceof CommandFailed) {
    const invalid = /path '([^']+)' is not valid/.exec(err.stderr)?.[1];
    if (invalid) throw new AppError('not-found', `${invalid} is not in the Nix store (it may have been garbage-collected).`, err.stderr.trim().split('\n').slice(-3).join('\n'));
  }
  throw err;
}

/**
 * Nix's own database, read-only through the sqlite3 tool: one recursive query gives a closure with its
 * NAR sizes in a few milliseconds, where `nix path-info -r` spends ~100 ms starting up and printing.
 * Answers the same question from the same table Nix reads. Returns null whenever the database cannot be
 * read that way (no sqlite3, no permission, a locked or unknown schema): callers then ask `nix`.
 */
const DB_RETRY_MS = 60_000;
/** store paths as Nix writes them; anything else is never put into SQL */
const SAFE_STORE_PATH = /^\/[A-Za-z0-9+\-._?=/]+$/;

export async function queryNixDb(ctx: AppContext, sql: string, signal?: AbortSignal): Promise<string[][] | null> {
  const file = ctx.host.nixDbFile;
  if (!file || ctx.state.nixDbRetryAt > Date.now()) return null;
  try {
    const { stdout } = await ctx.runner.run('sqlite3', ['-readonly', '-batch', '-noheader', '-separator', '\t', '-cmd', '.timeout 2000', `file:${encodeURI(file).replaceAll('?', '%3f').replaceAll('#', '%23')}?mode=ro`, sql], { timeoutMs: 60_000, signal });
    return stdout ? stdout.split('\n').map((l) => l.split('\t')) : [];
  } catch (err) {
    if (err instanceof AppError && err.code === 'cancelled') throw err;
    ctx.state.nixDbRetryAt = Date.now() + DB_RETRY_MS;
    return null;
  }
}

const sqlString = (p: string) => `'${p.replaceAll("'", "''")}'`;

/**
 * The closures of some roots (NAR size of each member) and the direct references of some other paths,
 * in one read of Nix's database; null when it cannot be read (ask `nix` instead).
 */
export async function closuresAndReferencesFromDb(
  ctx: AppContext,
  roots: readonly string[],
  referrers: readonly string[],
  signal?: AbortSignal,
): Promise<{ closures: Map<string, Map<string, number>>; references: Set<string> } | null> {
  if (![...roots, ...referrers].every((p) => SAFE_STORE_PATH.test(p))) return null;
  const statements: string[] = [];
  if (roots.length) {
    statements.push(`WITH RECURSIVE c(root, id) AS (SELECT path, id FROM ValidPaths WHERE path IN (${roots.map(sqlString).join(', ')}) UNION SELECT c.root, r.reference FROM Refs r JOIN c ON r.referrer = c.id)
      SELECT 'c', c.root, v.path, coalesce(v.narSize, 0) FROM c JOIN ValidPaths v ON v.id = c.id;`);
  }
  if (referrers.length) {
    const list = referrers.map(sqlString).join(', ');
    statements.push(`SELECT DISTINCT 'r', '', v.path, 0 FROM Refs r JOIN ValidPaths v ON v.id = r.reference WHERE r.referrer IN (SELECT id FROM ValidPaths WHERE path IN (${list}));`);
    statements.push(`SELECT 'n', '', count(*), 0 FROM ValidPaths WHERE path IN (${list});`);
  }
  if (!statements.length) return { closures: new Map(), references: new Set() };
  const rows = await queryNixDb(ctx, statements.join('\n'), signal);
  if (!rows) return null;
  const closures = new Map<string, Map<string, number>>(roots.map((r) => [r, new Map()]));
  const references = new Set<string>();
  let knownReferrers = 0;
  for (const [tag, root, p, size] of rows) {
    if (tag === 'c') closures.get(root!)?.set(p!, Number(size) || 0);
    else if (tag === 'r') references.add(p!);
    else if (tag === 'n') knownReferrers = Number(p);
  }
  // a path the database does not know: let nix say so in its own words
  for (const members of closures.values()) if (!members.size) return null;
  if (referrers.length && knownReferrers !== new Set(referrers).size) return null;
  return { closures, references };
}

/** `nix path-info --size` / `--closure-size` text: "<store path>  <bytes>" per line. */
function pathSizes(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length >= 2 && parts[0]!.startsWith('/')) out.set(parts[0]!, Number(parts[parts.length - 1]) || 0);
  }
  return out;
}

/**
 * The closure of one path with the NAR size of each member: from Nix's database when it can be read,
 * else as plain text from `nix path-info -r -s` (much less to print and parse than --json).
 */
export async function closureSizes(ctx: AppContext, storePath: string, signal?: AbortSignal): Promise<Map<string, number>> {
  const fromDb = await closuresAndReferencesFromDb(ctx, [storePath], [], signal);
  if (fromDb) return fromDb.closures.get(storePath)!;
  try {
    const { stdout } = await ctx.runner.run('nix', [...NIX_COMMAND, 'path-info', '--recursive', '--size', storePath], { timeoutMs: 300_000, signal });
    return pathSizes(stdout);
  } catch (err) {
    notInStore(err);
  }
}

/** Closure size of each root in one read of Nix's database; roots it does not know are left out, as below. */
async function closureSizeOfEachFromDb(ctx: AppContext, roots: string[]): Promise<Map<string, number> | null> {
  if (!roots.length) return new Map();
  if (!roots.every((p) => SAFE_STORE_PATH.test(p))) return null;
  const rows = await queryNixDb(
    ctx,
    `WITH RECURSIVE c(root, id) AS (SELECT id, id FROM ValidPaths WHERE path IN (${roots.map(sqlString).join(', ')}) UNION SELECT c.root, r.reference FROM Refs r JOIN c ON r.referrer = c.id)
     SELECT v.path, sum(coalesce(m.narSize, 0)) FROM c JOIN ValidPaths m ON m.id = c.id JOIN ValidPaths v ON v.id = c.root GROUP BY c.root;`,
  );
  return rows ? new Map(rows.map(([p, size]) => [p!, Number(size) || 0])) : null;
}

/** Closure size of each path (`nix path-info --closure-size`, text), one call for all. */
export async function closureSizeOfEach(ctx: AppContext, paths: readonly string[]): Promise<Map<string, number>> {
  let unique = [...new Set(paths)];
  const fromDb = await closureSizeOfEachFromDb(ctx, unique);
  if (fromDb) return fromDb;
  // A path Nix does not know (a broken link) must not cost every other generation its size.
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return await closureSizeOfEachOnce(ctx, unique);
    } catch (err) {
      const invalid = err instanceof AppError && err.code === 'not-found' ? /^(\S+) is not in the Nix store/.exec(err.message)?.[1] : undefined;
      if (!invalid || !unique.includes(invalid)) throw err;
      unique = unique.filter((p) => p !== invalid);
    }
  }
  return new Map();
}

async function closureSizeOfEachOnce(ctx: AppContext, unique: string[]): Promise<Map<string, number>> {
  if (!unique.length) return new Map();
  try {
    const { stdout } = await ctx.runner.run('nix', [...NIX_COMMAND, 'path-info', '--closure-size', ...unique], { timeoutMs: 300_000 });
    return pathSizes(stdout);
  } catch (err) {
    notInStore(err);
  }
}

/** Direct references of some paths (`nix-store -q --references`), as one set. */
export async function directReferences(ctx: AppContext, paths: readonly string[]): Promise<Set<string>> {
  if (!paths.length) return new Set();
  const fromDb = await closuresAndReferencesFromDb(ctx, [], paths);
  if (fromDb) return fromDb.references;
  try {
    const { stdout } = await ctx.runner.run('nix-store', ['--query', '--references', ...paths], { timeoutMs: 60_000 });
    return new Set(stdout.split('\n').filter((l) => l.startsWith('/')));
  } catch (err) {
    notInStore(err);
  }
}

/** Every path reachable from `roots` through references, from infos that hold the whole closure. */
export function closureOf(infos: ReadonlyMap<string, PathInfo>, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    const info = infos.get(p);
    if (!info) continue;
    for (const r of info.references) if (!seen.has(r)) stack.push(r);
  }
  return seen;
}

export function sumNarSize(infos: ReadonlyMap<string, PathInfo>, paths: Iterable<string>): number {
  let sum = 0;
  for (const p of paths) sum += infos.get(p)?.narSize ?? 0;
  return sum;
}
