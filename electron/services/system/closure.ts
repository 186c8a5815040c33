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
 * The closure of one path with the NAR size of each member, as plain text (`nix path-info -r -s`):
 * much less for Nix to print and for us to parse than --json, which matters for 2,000-path closures.
 */
export async function closureSizes(ctx: AppContext, storePath: string, signal?: AbortSignal): Promise<Map<string, number>> {
  try {
    const { stdout } = await ctx.runner.run('nix', [...NIX_COMMAND, 'path-info', '--recursive', '--size', storePath], { timeoutMs: 300_000, signal });
    const out = new Map<string, number>();
    for (const line of stdout.split('\n')) {
      const parts = line.trim().split(/\s+/);
      if (parts.length >= 2 && parts[0]!.startsWith('/')) out.set(parts[0]!, Number(parts[parts.length - 1]) || 0);
    }
    return out;
  } catch (err) {
    notInStore(err);
  }
}

/** Closure size of each path (`nix path-info --closure-size`, text), one call for all. */
export async function closureSizeOfEach(ctx: AppContext, paths: readonly string[]): Promise<Map<string, number>> {
  let unique = [...new Set(paths)];
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
    const out = new Map<string, number>();
    for (const line of stdout.split('\n')) {
      const parts = line.trim().split(/\s+/);
      if (parts.length >= 2 && parts[0]!.startsWith('/')) out.set(parts[0]!, Number(parts[parts.length - 1]) || 0);
    }
    return out;
  } catch (err) {
    notInStore(err);
  }
}

/** Direct references of some paths (`nix-store -q --references`), as one set. */
export async function directReferences(ctx: AppContext, paths: readonly string[]): Promise<Set<string>> {
  if (!paths.length) return new Set();
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
