import { readFile, readdir, realpath, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Generation, GenerationsResult } from '../../../shared/contract/system';
import type { AppContext } from '../../context';
import { mapLimit } from './concurrency';
import { closureSizeOfEach } from './closure';
import { matchSystem, matchedGeneration } from './generations-running';
import { currentGeneration, generationDate, listProfileLinks, resolveStorePath } from './profile';
import { disagreementWarnings } from './status';

/**
 * The generations of the system profile, with the same meaning for every field as
 * `nixos-rebuild list-generations --json`, read straight from the closures (no process per generation).
 */

/** enough parallel reads to hide disk latency, few enough not to exhaust file descriptors */
const READ_CONCURRENCY = 32;

/** Command substitution in the real script strips trailing newlines only. */
const stripTrailingNewlines = (s: string) => s.replace(/\n+$/, '');

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** `cat <gen>/nixos-version`, or "Unknown" like the real script. */
export async function nixosVersionOf(toplevel: string): Promise<string> {
  const text = await readText(path.join(toplevel, 'nixos-version'));
  return text === null ? 'Unknown' : stripTrailingNewlines(text);
}

/** What realpath(1) does with a path whose last component may dangle: resolve what exists. */
export async function realpathLoose(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    try {
      const target = await readlink(p);
      return path.resolve(await realpathLoose(path.dirname(p)), target);
    } catch {
      try {
        return path.join(await realpath(path.dirname(p)), path.basename(p));
      } catch {
        return p;
      }
    }
  }
}

async function listNames(dir: string): Promise<string[] | null> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return null;
  }
}

/**
 * The script's `ls "$(dirname "$(realpath <gen>/kernel)")/lib/modules"`; nixos-rebuild-ng reads
 * `<gen>/kernel-modules/lib/modules` instead, which we try when the first gives nothing.
 */
export async function kernelVersionOf(toplevel: string): Promise<string> {
  const kernelDir = path.dirname(await realpathLoose(path.join(toplevel, 'kernel')));
  const names = (await listNames(path.join(kernelDir, 'lib/modules'))) ?? (await listNames(path.join(toplevel, 'kernel-modules/lib/modules')));
  return names === null ? 'Unknown' : names.join('\n');
}

/** Names under `<gen>/specialisation/` that are directories (each a whole system of its own). */
async function specialisationsOf(toplevel: string): Promise<string[]> {
  const dir = path.join(toplevel, 'specialisation');
  const names = await listNames(dir);
  if (!names) return [];
  const isDir = await Promise.all(names.map((n) => stat(path.join(dir, n)).then((s) => s.isDirectory(), () => false)));
  return names.filter((_, i) => isDir[i]);
}

/**
 * What `<gen>/sw/bin/nixos-version --configuration-revision` would print, read from the script itself.
 * The script is nixpkgs' nixos-version.sh with values substituted in; an unsubstituted "@...@" means
 * unknown (the script exits 1, so the real list shows ""). Old scripts without the flag print their
 * default line, which nixos-rebuild also turns into "". Returns null when the file is not a script we
 * can read with certainty; the caller then runs it.
 */
export function configurationRevisionFromScript(script: string): string | null {
  if (script.includes('\0') || !/case\s+"\$1"\s+in/.test(script)) return null;
  const branch = /(?:^|\n)\s*(?:[^\n)]*\|)?--configuration-revision(?:\|[^\n)]*)?\)([\s\S]*?);;/.exec(script);
  if (!branch) return /(?:^|\n)\s*\*\)/.test(script) ? '' : null;
  const body = branch[1]!;
  const guard = /\[\[\s*"([^"]*)"\s*=~\s*"@"\s*\]\]/.exec(body);
  if (guard && guard[1]!.includes('@')) return '';
  const echoes = [...body.matchAll(/(?:^|\n)\s*echo\s+"([^"]*)"\s*(>&2)?\s*(?=\n|$)/g)].filter((m) => !m[2]);
  if (echoes.length !== 1) return null;
  const value = echoes[0]![1]!;
  if (/[$`\\]/.test(value)) return null;
  return value;
}

/** The default line of the script (`echo "<version> (<codeName>)"`), to spot old scripts that echo it for any flag. */
function defaultLineFromScript(script: string): string | null {
  const m = /(?:^|\n)\s*\*\)\s*\n\s*echo\s+"([^"$`\\]*)"/.exec(script);
  return m ? m[1]! : null;
}

async function configurationRevisionOf(ctx: AppContext, toplevel: string, cache: Map<string, Promise<string>>): Promise<string> {
  const scriptPath = await resolveStorePath(path.join(toplevel, 'sw/bin/nixos-version'));
  if (!scriptPath) return '';
  let pending = cache.get(scriptPath);
  if (!pending) {
    pending = (async () => {
      const script = await readText(scriptPath);
      if (script === null) return '';
      const parsed = configurationRevisionFromScript(script);
      if (parsed !== null) {
        const fallbackDefault = defaultLineFromScript(script);
        return fallbackDefault !== null && parsed === fallbackDefault ? '' : parsed;
      }
      return runConfigurationRevision(ctx, scriptPath);
    })();
    cache.set(scriptPath, pending);
  }
  return pending;
}

/** The slow path, exactly what nixos-rebuild does: run the program twice and compare. */
async function runConfigurationRevision(ctx: AppContext, program: string): Promise<string> {
  const run = (args: string[]) =>
    ctx.runner.run(program, args, { timeoutMs: 10_000, okExitCodes: [1, 2, 126, 127] }).then(
      (r) => (r.exitCode === 0 ? stripTrailingNewlines(r.stdout) : ''),
      () => '',
    );
  const [revision, plain] = await Promise.all([run(['--configuration-revision']), run([])]);
  return revision === plain ? '' : revision;
}

export interface ListOptions {
  withClosureSize?: boolean;
}

export async function listGenerations(ctx: AppContext, opts: ListOptions = {}): Promise<GenerationsResult> {
  const { host } = ctx;
  const [links, currentNumber] = await Promise.all([listProfileLinks(host.systemProfile), currentGeneration(host.systemProfile)]);
  // a running (or booted) specialisation is its generation's
  const [runningMatch, bootedMatch] = await Promise.all([matchSystem(links, host.currentSystem), matchSystem(links, host.bootedSystem)]);
  const newestFirst = [...links].sort((a, b) => b.generation - a.generation);
  const revisionCache = new Map<string, Promise<string>>();

  const sizes = opts.withClosureSize && links.length ? closureSizeOfEach(ctx, links.map((l) => l.storePath)) : Promise.resolve(new Map<string, number>());
  const rows = await mapLimit(newestFirst, READ_CONCURRENCY, async (link): Promise<Generation> => {
    const [nixosVersion, kernelVersion, configurationRevision, specialisations] = await Promise.all([
      nixosVersionOf(link.link),
      kernelVersionOf(link.link),
      configurationRevisionOf(ctx, link.link, revisionCache),
      specialisationsOf(link.link),
    ]);
    return {
      generation: link.generation,
      date: generationDate(link.date),
      nixosVersion,
      kernelVersion,
      configurationRevision,
      specialisations,
      current: link.generation === currentNumber,
      running: !!runningMatch?.generations.includes(link.generation),
      booted: !!bootedMatch?.generations.includes(link.generation),
      runningSpecialisation: runningMatch?.generations.includes(link.generation) ? runningMatch.specialisation : null,
      bootedSpecialisation: bootedMatch?.generations.includes(link.generation) ? bootedMatch.specialisation : null,
      storePath: link.storePath,
      closureSize: null,
    };
  });
  const sizeByPath = await sizes;
  if (opts.withClosureSize) for (const row of rows) row.closureSize = sizeByPath.get(row.storePath) ?? null;

  const running = matchedGeneration(runningMatch, currentNumber);
  const booted = matchedGeneration(bootedMatch, currentNumber);
  return {
    profile: host.systemProfile,
    generations: rows,
    current: currentNumber,
    running,
    booted,
    warnings: [
      ...(currentNumber !== null && !links.some((l) => l.generation === currentNumber)
        ? [`The profile ${host.systemProfile} points to generation ${currentNumber}, whose link ${path.basename(host.systemProfile)}-${currentNumber}-link is missing: the profile link is broken. Switching to one of the listed generations, or rebuilding, repairs it.`]
        : []),
      ...(links.length ? disagreementWarnings(currentNumber, running) : []),
    ],
  };
}
