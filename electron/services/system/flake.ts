import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlakeCheckResult, FlakeInputChange, FlakeLockedInput, FlakeUpdateResult } from '../../../shared/contract/system';
import type { AppContext } from '../../context';
import { missingFlakePath } from '../../core/nix-errors';
import { readIfExists, timestampedName, writeFileAtomic } from '../../core/fs';
import { sha256 } from '../../core/hash';
import { stripAnsi } from '../../core/text';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { CommandFailed } from '../../exec/runner';
import { pathExists } from '../../paths';
import { flakeFolder } from './flake-dir';
import type { NixError } from './nix-log';

/**
 * Flake configurations: what flake.lock pins, and `nix flake update` without touching it. The update
 * runs on a copy of flake.nix + flake.lock in a temp folder (Nix 2.8 has no --output-lock-file), so a
 * check changes nothing; writing the new lock goes through the root helper's write-config (atomic,
 * with a backup), and only if the lock on disk is still the one the check started from.
 */

export const FLAKE_COMMAND = ['--extra-experimental-features', 'nix-command flakes'] as const;
const MAX_LOCK_BYTES = 1024 * 1024;


type Attrs = Record<string, unknown>;
export interface LockNode {
  inputs?: Record<string, string | string[]>;
  locked?: Attrs;
  original?: Attrs;
}
interface LockFile {
  nodes: Record<string, LockNode>;
  root: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Lock attributes -> the flake reference Nix would print ("github:owner/repo/rev", "git+file:///x?ref=main&rev=..."). */
export function flakeRefToString(attrs: Attrs | undefined): string {
  if (!attrs) return '';
  const type = str(attrs.type) ?? '';
  const query = (keys: string[]) => {
    const q = keys.filter((k) => str(attrs[k]) !== undefined).map((k) => `${k}=${encodeURIComponent(str(attrs[k])!)}`);
    return q.length ? `?${q.join('&')}` : '';
  };
  switch (type) {
    case 'github':
    case 'gitlab':
    case 'sourcehut': {
      const refOrRev = str(attrs.rev) ?? str(attrs.ref);
      return `${type}:${str(attrs.owner)}/${str(attrs.repo)}${refOrRev ? `/${refOrRev}` : ''}${query(['dir', 'host'])}`;
    }
    case 'git':
    case 'mercurial': {
      const url = str(attrs.url) ?? '';
      const sep = url.includes('?') ? '&' : '?';
      const q = query(['ref', 'rev', 'dir']);
      return `${type === 'git' ? 'git+' : 'hg+'}${url}${q ? sep + q.slice(1) : ''}`;
    }
    case 'path':
      return `path:${str(attrs.path)}${query(['dir'])}`;
    case 'tarball':
    case 'file':
      return str(attrs.url) ?? type;
    case 'indirect':
      return `flake:${str(attrs.id)}${str(attrs.ref) ? `/${str(attrs.ref)}` : ''}${str(attrs.rev) ? `/${str(attrs.rev)}` : ''}`;
    default:
      return `${type}:${JSON.stringify(attrs)}`;
  }
}

function lockedInput(node: LockNode): FlakeLockedInput | null {
  if (!node.locked) return null;
  const lm = node.locked.lastModified;
  return {
    url: flakeRefToString(node.locked),
    rev: str(node.locked.rev) ?? null,
    narHash: str(node.locked.narHash) ?? null,
    lastModified: typeof lm === 'number' && Number.isFinite(lm) ? new Date(lm * 1000).toISOString() : null,
  };
}

export function parseLock(text: string): LockFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AppError('nix-error', 'flake.lock is not valid JSON, so its inputs cannot be read. Restore it from a backup or delete it to let Nix create a new one.', (err as Error).message);
  }
  const lock = parsed as Partial<LockFile>;
  if (!lock || typeof lock !== 'object' || typeof lock.nodes !== 'object' || !lock.nodes || typeof lock.root !== 'string' || !lock.nodes[lock.root]) {
    throw new AppError('nix-error', 'flake.lock does not look like a Nix lock file (no nodes or no root).');
  }
  return lock as LockFile;
}

/** Every input reachable from the root, by input path ("nixpkgs", "home-manager/nixpkgs"); inputs that follow another are skipped. */
export function lockInputs(lock: LockFile): Map<string, LockNode> {
  const out = new Map<string, LockNode>();
  const walk = (key: string, prefix: string, depth: number) => {
    const node = lock.nodes[key];
    if (!node?.inputs || depth > 8) return;
    for (const [name, target] of Object.entries(node.inputs)) {
      if (typeof target !== 'string') continue; // "follows": the same lock entry as another input
      const inputPath = prefix ? `${prefix}/${name}` : name;
      const child = lock.nodes[target];
      if (!child || out.has(inputPath)) continue;
      out.set(inputPath, child);
      walk(target, inputPath, depth + 1);
    }
  };
  walk(lock.root, '', 0);
  return out;
}

/** Per input: what the old lock pins, what the new one pins, and whether that moved. */
export function diffLocks(before: LockFile | null, after: LockFile): FlakeInputChange[] {
  const a = before ? lockInputs(before) : new Map<string, LockNode>();
  const b = lockInputs(after);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return names.map((input) => {
    const old = a.get(input);
    const now = b.get(input);
    const beforeLocked = old ? lockedInput(old) : null;
    const afterLocked = now ? lockedInput(now) : null;
    const kind: FlakeInputChange['kind'] = !old ? 'added' : !now ? 'removed' : beforeLocked?.url !== afterLocked?.url || beforeLocked?.narHash !== afterLocked?.narHash ? 'updated' : 'unchanged';
    return { input, original: flakeRefToString((now ?? old)!.original), kind, before: beforeLocked, after: afterLocked };
  });
}

async function readFlake(ctx: AppContext) {
  const folder = await flakeFolder(ctx.host);
  const flakeFile = path.join(ctx.host.nixosConfigDir, 'flake.nix');
  if (!folder) throw new AppError('not-found', `${flakeFile} does not exist: this configuration is not a flake, so it has no flake inputs to update. Channels are what it updates.`);
  const dir = folder.dir;
  const flakeNix = await readFile(path.join(dir, 'flake.nix'), 'utf8');
  const lockText = await readFile(path.join(dir, 'flake.lock'), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
  return { dir, outside: folder.outside, flakeNix, lockText };
}

export async function flakeInputs(ctx: AppContext) {
  const folder = await flakeFolder(ctx.host);
  if (!folder) return { isFlake: false, dir: ctx.host.nixosConfigDir, lockExists: false, inputs: [] };
  const { dir, lockText } = await readFlake(ctx);
  if (lockText === null) return { isFlake: true, dir, lockExists: false, inputs: [] };
  const lock = parseLock(lockText);
  return { isFlake: true, dir, lockExists: true, inputs: diffLocks(lock, lock) };
}

/**
 * A file of a flake that lives outside the configuration folder (flake.nix links into your own
 * checkout): written as you, as your editor or `nix flake update` there would, atomically, with the old
 * text kept in the app's state folder. The root helper writes only inside the configuration folder.
 * `expectedSha256` undefined: no check; null: the file must not exist yet.
 */
export async function writeFlakeFileAsUser(ctx: AppContext, lockFile: string, content: string, expectedSha256: string | null | undefined): Promise<{ path: string; backup: string | null; sha256: string }> {
  const cannotWrite = () => new AppError('not-authorized', `Your flake lives in ${path.dirname(lockFile)} (flake.nix in ${ctx.host.nixosConfigDir} points there), and your account cannot write there. Change it there as its owner.`);
  const denied = (err: unknown) => ['EACCES', 'EPERM', 'EROFS', 'not-authorized'].includes(String((err as NodeJS.ErrnoException).code));
  // a file that is there but may not be read is not "no file": it is refused, never overwritten blind
  const current = await readIfExists(lockFile).catch((err: unknown) => Promise.reject(denied(err) ? cannotWrite() : err));
  if (expectedSha256 !== undefined && (current === null ? null : sha256(current)) !== expectedSha256) {
    throw new AppError('conflict', `${path.basename(lockFile)} changed on disk since it was read (another update or an edit). Read it again so you see what you write.`);
  }
  const st = await lstat(lockFile).catch(() => null);
  if (st && !st.isFile()) throw new AppError('refused', `${lockFile} is not a plain file, so the app will not replace it.`);
  let backup: string | null = null;
  if (current !== null) {
    const dir = path.join(ctx.host.stateDir, 'flake-backups');
    await mkdir(dir, { recursive: true });
    backup = path.join(dir, timestampedName(path.basename(lockFile)));
    await writeFile(backup, current, { mode: 0o644 });
  }
  await writeFileAtomic(lockFile, content, { mode: st ? st.mode & 0o777 : 0o644 }).catch((err: unknown) => Promise.reject(denied(err) ? cannotWrite() : err));
  return { path: lockFile, backup, sha256: sha256(content) };
}

/** Nix's words -> a person's; the temp copy's paths are put back as the user's files. */
function explainFailure(err: CommandFailed, dir: string, copyDir: string, copiedSource: string | null): never {
  const restore = (t: string) => {
    let out = t.replaceAll(copyDir, dir);
    if (copiedSource) out = out.replaceAll(copiedSource, dir);
    return out;
  };
  const stderr = restore(err.stderr);
  const lines = stderr.split('\n');
  const firstError = lines.findIndex((l) => l.startsWith('error:'));
  const detail = (firstError >= 0 ? lines.slice(firstError) : lines.slice(-12)).join('\n').trim();
  const download = /unable to download '([^']+)': (.*)$/m.exec(stderr);
  if (download && /resolve host|connect to server|Connection refused|Network is unreachable|Timeout was reached|timed out/i.test(download[2]!)) {
    let where = download[1]!;
    try {
      where = new URL(where).host;
    } catch {
      /* keep the whole address */
    }
    throw new AppError('network', `Could not reach ${where} to look for newer inputs (${download[2]!.replace(/ \(\d+\)$/, '')}). Check the network connection and try again; nothing was changed.`, detail);
  }
  if (download) throw new AppError('network', `Downloading ${download[1]} failed: ${download[2]}. Nothing was changed.`, detail);
  const at = /^\s+at (\S+?):(\d+):(\d+):?$/m.exec(stderr);
  if (/syntax error|undefined variable|attribute '[^']*' missing|while evaluating|flake\.nix/.test(detail) && at?.[1]?.startsWith(dir)) {
    const msg = lines[firstError]?.replace(/^error:\s*/, '') ?? 'evaluation error';
    throw new AppError('nix-error', `Nix could not read ${at[1]} (line ${at[2]}): ${msg}. Fix the file, then check again; nothing was changed.`, detail);
  }
  const gitFailure = /fetching Git repository '([^']+)'[\s\S]*?(?:fatal: ([^\n]+))/.exec(stderr);
  if (gitFailure) throw new AppError('nix-error', `The Git input ${gitFailure[1]} could not be fetched (${gitFailure[2]}). Nothing was changed.`, detail);
  const first = firstError >= 0 ? lines[firstError]!.replace(/^error:\s*/, '') : `exit code ${err.exitCode}`;
  throw new AppError('nix-error', `nix flake update failed: ${first}. Nothing was changed.`, detail);
}

export interface PendingCheck {
  dir: string;
  /** sha256 of the lock the check started from; null when there was none */
  baseSha256: string | null;
  newLock: string;
  result: FlakeCheckResult;
}
const KEEP_CHECKS = 5;

function remember(ctx: AppContext, check: PendingCheck) {
  const map = ctx.state.flakeChecks;
  map.set(check.result.checkId, check);
  while (map.size > KEEP_CHECKS) map.delete(map.keys().next().value!);
}

/** `nix flake update` on a copy of flake.nix and flake.lock; returns the new lock and what moved. */
export async function checkFlake(ctx: AppContext, job: JobContext): Promise<FlakeCheckResult> {
  const { dir, flakeNix, lockText } = await readFlake(ctx);
  const before = lockText === null ? null : parseLock(lockText);
  const copyDir = await mkdtemp(path.join(os.tmpdir(), 'nixos-companion-flake-'));
  try {
    await writeFile(path.join(copyDir, 'flake.nix'), flakeNix);
    if (lockText !== null) await writeFile(path.join(copyDir, 'flake.lock'), lockText);
    job.phase('fetch', 'Fetching the newest version of every input', { cancellable: true });
    let copiedSource: string | null = null;
    let fetched = 0;
    try {
      // tarball-ttl 0: ask every input's origin now instead of trusting Nix's cache of branch heads.
      // The copy is the working directory and no argument is given: Nix 2.8 takes a positional argument
      // as the flake, Nix >= 2.19 as input names (updating whatever flake holds the working directory).
      await ctx.runner.run('nix', [...FLAKE_COMMAND, 'flake', 'update', '-v', '--option', 'tarball-ttl', '0'], {
        cwd: copyDir,
        signal: job.signal,
        timeoutMs: 15 * 60_000,
        buffer: true,
        onLine: (_stream, line) => {
          const evaluating = /^evaluating file '(.+)\/flake\.nix'$/.exec(line);
          if (evaluating && !copiedSource) copiedSource = evaluating[1]!;
          const fetching = /^(?:fetching|downloading) .*?'([^']+)'/.exec(line);
          if (fetching) job.progress({ fraction: null, message: `Fetching ${fetching[1]}`, counters: { fetched: ++fetched } });
          job.log(line.replaceAll(copyDir, dir), 'stderr');
        },
      });
    } catch (err) {
      if (err instanceof CommandFailed) explainFailure(err, dir, copyDir, copiedSource);
      throw err;
    }
    const newLock = await readFile(path.join(copyDir, 'flake.lock'), 'utf8').catch(() => {
      throw new AppError('nix-error', 'nix flake update finished but wrote no flake.lock.');
    });
    if (Buffer.byteLength(newLock) > MAX_LOCK_BYTES) throw new AppError('refused', 'The new flake.lock is larger than 1 MiB; the app will not write it.');
    const inputs = diffLocks(before, parseLock(newLock));
    const warnings: string[] = [];
    if (lockText === null) warnings.push(`${dir} has no flake.lock yet. Updating creates one that pins every input at the version found now.`);
    const relative = inputs.find((i) => i.original.startsWith('path:.') || i.original.startsWith('path:..'));
    if (relative) warnings.push(`The input "${relative.input}" is a relative path (${relative.original}); its lock entry was computed from a copy and may differ from what a rebuild finds.`);
    const result: FlakeCheckResult = {
      checkId: randomBytes(16).toString('hex'),
      dir,
      lockExists: lockText !== null,
      inputs,
      changed: inputs.filter((i) => i.kind !== 'unchanged').length,
      warnings,
    };
    remember(ctx, { dir, baseSha256: lockText === null ? null : sha256(lockText), newLock, result });
    return result;
  } finally {
    await rm(copyDir, { recursive: true, force: true }).catch(() => {});
  }
}

/** Write the lock a check found (or update afresh), through the helper, only if flake.lock is still what the check read. */
export async function updateFlake(ctx: AppContext, job: JobContext, params: { checkId?: string }): Promise<FlakeUpdateResult> {
  let check = params.checkId ? ctx.state.flakeChecks.get(params.checkId) : undefined;
  if (params.checkId && !check) throw new AppError('not-found', 'That update check is no longer known (the app was restarted or newer checks replaced it). Check for updates again.');
  if (!check) {
    const result = await checkFlake(ctx, job);
    check = ctx.state.flakeChecks.get(result.checkId)!;
  }
  const lockFile = path.join(check.dir, 'flake.lock');
  const folder = await flakeFolder(ctx.host);
  if (!folder || check.dir !== folder.dir) throw new AppError('conflict', 'The flake folder changed since the check. Check for updates again.');
  const current = await readIfExists(lockFile);
  if ((current === null ? null : sha256(current)) !== check.baseSha256) {
    throw new AppError('conflict', 'flake.lock changed on disk since the check (another update or an edit). Check for updates again so you see what you write.');
  }
  if (check.result.changed === 0 && current !== null) return { ...check.result, written: false, lockFile, backup: null };
  job.phase('write', 'Writing flake.lock', { cancellable: false });
  const written = folder.outside
    ? await writeFlakeFileAsUser(ctx, lockFile, check.newLock, check.baseSha256)
    : await ctx.privileged.run('write-config', {
        relativePath: 'flake.lock',
        content: check.newLock,
        ...(check.baseSha256 ? { expectedSha256: check.baseSha256 } : {}),
      });
  ctx.state.flakeChecks.delete(check.result.checkId);
  job.log(`wrote ${written.path}${written.backup ? ` (previous lock kept as ${written.backup})` : ''}`, 'info');
  ctx.events.emit({ topic: 'changed', what: 'config', detail: { path: 'flake.lock' } });
  return { ...check.result, written: true, lockFile: written.path, backup: written.backup };
}

// ---- Errors inside the flake's copy in the store ---------------------------------------------------

const STORE_SOURCE = /\/nix\/store\/[0-9a-z]{32}-source(?=\/|'|"|`|’|\s|:|$)/g;

/** The git work tree holding `dir` (the nearest folder up with a .git), or null. */
async function gitTopLevel(dir: string): Promise<string | null> {
  for (let d = dir; ; d = path.dirname(d)) {
    if (await pathExists(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * Nix evaluates a flake from a copy in the store (`/nix/store/<hash>-source`): of the git work tree
 * when the flake is in a git repository (then only the files git tracks), else of the flake's folder.
 * Which `-source` copies in an error are this flake's: those whose flake.nix, where the flake sits in
 * the copy, is the user's flake.nix. The answer maps each to the folder it copies.
 */
async function flakeCopies(text: string, flakeDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const roots = [...new Set(text.match(STORE_SOURCE) ?? [])];
  if (!roots.length) return out;
  const mine = await readFile(path.join(flakeDir, 'flake.nix'), 'utf8').catch(() => null);
  if (mine === null) return out;
  const top = await gitTopLevel(flakeDir);
  const bases = top && top !== flakeDir ? [top, flakeDir] : [flakeDir];
  for (const root of roots) {
    for (const base of bases) {
      const inCopy = path.join(root, path.relative(base, flakeDir), 'flake.nix');
      if ((await readFile(inCopy, 'utf8').catch(() => null)) === mine) {
        out.set(root, base);
        break;
      }
    }
  }
  return out;
}

/**
 * A Nix error from building the flake, with the flake's store copy put back as the user's own files
 * (`/nix/store/<hash>-source/hosts/a.nix:12:3` -> `<flake folder>/hosts/a.nix:12:3`) so the error
 * links into the editor. And the classic first flake stumble explained: a file that exists but that git
 * does not track is missing from Nix's copy ("path '/nix/store/…-source/x.nix' does not exist", in Nix
 * 2.8 "getting status of '…': No such file or directory").
 */
export async function mapFlakeError(ctx: AppContext, error: NixError, flakeDir: string): Promise<NixError> {
  const copies = await flakeCopies(`${error.text}\n${error.location?.file ?? ''}\n${error.file ?? ''}`, flakeDir);
  if (!copies.size) return error;
  const toUser = (p: string) => {
    for (const [root, base] of copies) if (p === root || p.startsWith(`${root}/`)) return base + p.slice(root.length);
    return p;
  };
  const replaceAll = (t: string) => t.replace(STORE_SOURCE, (root) => copies.get(root) ?? root);
  let mapped: NixError = {
    ...error,
    text: replaceAll(error.text),
    summary: replaceAll(error.summary),
    location: error.location ? { ...error.location, file: toUser(error.location.file) } : null,
    file: error.file ? toUser(error.file) : null,
  };
  // Nix prints the trace outermost first: the last position in the user's files is nearest the error.
  const inUserFiles = [...stripAnsi(mapped.text).matchAll(/(?:^|\s)at (\/[^\s:]+):(\d+):(\d+)/gm)].filter((m) => !m[1]!.startsWith('/nix/store/'));
  const nearest = inUserFiles.at(-1);
  if (nearest) mapped.location = { file: nearest[1]!, line: Number(nearest[2]), column: Number(nearest[3]) };
  const missingInCopy = missingFlakePath(error.text);
  if (missingInCopy && toUser(missingInCopy) !== missingInCopy) {
    const userFile = toUser(missingInCopy);
    const top = await gitTopLevel(flakeDir);
    if (top && (await pathExists(userFile))) {
      const rel = path.relative(top, userFile);
      const tracked = await ctx.runner
        .run('git', ['-C', top, 'ls-files', '--error-unmatch', '--', rel], { timeoutMs: 15_000, buffer: true })
        .then(() => true, (err: unknown) => (err instanceof CommandFailed ? false : null));
      if (tracked !== true) {
        mapped = {
          ...mapped,
          untracked: { file: userFile, repo: top, relative: rel },
          summary: `${rel} is not known to git, so Nix cannot see it. Your flake is a git repository, and Nix copies only the files git tracks. Run "git add ${rel}" in ${top} (no commit needed), then rebuild`,
          location: mapped.location && !mapped.location.file.startsWith('/nix/store/') ? mapped.location : { file: userFile, line: 1, column: 1 },
        };
      }
    }
  }
  return mapped;
}
