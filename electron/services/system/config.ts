import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { CommandFailed } from '../../exec/runner';
import { BACKUP_DIR_NAME } from '../../core/config-files';
import { sha256 } from '../../core/hash';
import { nixParse } from '../../core/nix';
import { stripAnsi } from '../../core/text';
import { NixLogParser, locateOptionInText, type NixError } from './nix-log';
import { placeNixError, placeSyntaxError } from './nix-syntax';
import type { RebuildParams } from '../../../shared/contract/system-rebuild';
import { pathExists } from '../../paths';
import { flakeFolder } from './flake-dir';
import { explainFailure } from './error-explanation';
import { mapFlakeError, writeFlakeFileAsUser } from './flake';

const MAX_FILES = 500;
const MAX_DEPTH = 5;

export interface ConfigFileEntry {
  path: string;
  size: number;
  imported: boolean;
}

async function walk(root: string, rel = '', depth = 0, out: { path: string; size: number }[] = []) {
  if (depth > MAX_DEPTH || out.length >= MAX_FILES) return out;
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name === 'result' || e.name === BACKUP_DIR_NAME) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(root, child, depth + 1, out);
    else if (e.isFile() && /\.(nix|lock)$/.test(e.name)) {
      const st = await stat(path.join(root, child)).catch(() => null);
      if (st) out.push({ path: child, size: st.size });
    }
    if (out.length >= MAX_FILES) break;
  }
  return out;
}

/** Relative `./x.nix` / `./dir` paths a Nix file mentions (imports and the like), resolved against its folder. */
export function referencedPaths(source: string, fromRel: string): string[] {
  const out: string[] = [];
  const withoutComments = source.replace(/#[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  for (const m of withoutComments.matchAll(/(?<![\w/.])(\.{1,2}\/[A-Za-z0-9._\/-]+)/g)) {
    const joined = path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), m[1]!));
    if (!joined.startsWith('..')) out.push(joined);
  }
  return out;
}

/** The main file and every .nix file reachable from it through relative paths (a folder means its default.nix). */
async function importedFrom(root: string, main: string, all: Set<string>): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [main];
  while (queue.length) {
    const rel = queue.shift()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const source = await readFile(path.join(root, rel), 'utf8').catch(() => '');
    for (const ref of referencedPaths(source, rel)) {
      const candidate = all.has(ref) ? ref : all.has(`${ref}/default.nix`) ? `${ref}/default.nix` : null;
      if (candidate && !seen.has(candidate)) queue.push(candidate);
    }
  }
  return seen;
}

export interface FlakeChoice {
  attribute: string | null;
  /** the folder nixos-rebuild builds: where /etc/nixos/flake.nix really is */
  dir: string | null;
}

export async function resolveFlake(ctx: AppContext, flake: RebuildParams['flake']): Promise<FlakeChoice> {
  const folder = await flakeFolder(ctx.host);
  const enabled = flake?.enabled ?? folder !== null;
  if (!enabled) return { attribute: null, dir: null };
  const attribute = flake?.attribute ?? ctx.host.hostname;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(attribute)) {
    throw new AppError('invalid-params', `The host name "${attribute}" cannot be used as a flake attribute. Choose the attribute by hand.`);
  }
  return { attribute, dir: folder?.dir ?? ctx.host.nixosConfigDir };
}

/** The folder whose files the configuration is: the real flake folder for a flake, else the configuration folder. */
export async function configFolder(ctx: AppContext): Promise<{ dir: string; outside: boolean }> {
  const folder = await flakeFolder(ctx.host);
  return folder ?? { dir: ctx.host.nixosConfigDir, outside: false };
}

export async function configKind(ctx: AppContext): Promise<{ kind: 'flake' | 'channels' | 'none'; mainFile: string | null }> {
  if (await flakeFolder(ctx.host)) return { kind: 'flake', mainFile: 'flake.nix' };
  if (await pathExists(path.join(ctx.host.nixosConfigDir, 'configuration.nix'))) return { kind: 'channels', mainFile: 'configuration.nix' };
  return { kind: 'none', mainFile: null };
}

export async function readConfig(ctx: AppContext, requested?: string) {
  const { dir } = await configFolder(ctx);
  const { kind, mainFile } = await configKind(ctx);
  const listed = await walk(dir);
  const all = new Set(listed.map((f) => f.path));
  const imported = mainFile ? await importedFrom(dir, mainFile, all) : new Set<string>();
  // flake configs usually import configuration.nix from the flake: follow it too
  if (kind === 'flake' && all.has('configuration.nix')) for (const p of await importedFrom(dir, 'configuration.nix', all)) imported.add(p);
  const files: ConfigFileEntry[] = listed.map((f) => ({ ...f, imported: imported.has(f.path) }));
  const target = requested ?? (kind === 'flake' && all.has('configuration.nix') ? 'configuration.nix' : mainFile);
  let file: { path: string; content: string; sha256: string } | null = null;
  if (target) {
    const content = await readFile(path.join(dir, target), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && requested) throw new AppError('not-found', `${requested} does not exist in ${dir}.`);
      if (err.code === 'EACCES') throw new AppError('not-authorized', `${target} in ${dir} cannot be read by your account.`);
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (content !== null) file = { path: target, content, sha256: sha256(content) };
  }
  return { kind, dir, mainFile, files, file, isGitRepo: await pathExists(path.join(dir, '.git')) };
}

/** Syntax check with the real parser: `nix-instantiate --parse -` (Nix stops at the first error). */
export async function parseConfig(ctx: AppContext, content: string): Promise<{ ok: boolean; errors: { line: number; column: number; message: string }[] }> {
  const failed = await nixParse(ctx.runner, { text: content }, { cwd: ctx.host.nixosConfigDir });
  if (!failed) return { ok: true, errors: [] };
  const text = stripAnsi(failed.stderr.join('\n'));
  const errors: { line: number; column: number; message: string }[] = [];
  for (const block of text.split(/(?:^|\n)(?=error:)/)) {
    const message = /^error:\s*(.*)/.exec(block.trim())?.[1];
    if (!message) continue;
    const pos = /at «stdin»:(\d+):(\d+)/.exec(block) ?? /at \(string\):(\d+):(\d+)/.exec(block) ?? /at [^\s:]+:(\d+):(\d+)/.exec(block);
    errors.push(placeSyntaxError(content, { line: pos ? Number(pos[1]) : 1, column: pos ? Number(pos[2]) : 1, message: message.replace(/,?\s+at «stdin»:\d+:\d+:?$/, '') }));
  }
  if (errors.length === 0) errors.push({ line: 1, column: 1, message: text.trim().split('\n')[0] || 'The file could not be parsed.' });
  return { ok: false, errors };
}

function relativeTo(dir: string, file: string): string | null {
  const rel = path.relative(dir, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : null;
}

/**
 * What Nix said about the configuration, placed: a flake's store copy put back as the user's files, a
 * position the editor can open (a module error that only names a file gets a line found by the option's
 * name), and the explanation when the failure is a known one. Shared by Evaluate and the rebuild.
 */
export async function placeFailure(ctx: AppContext, nixError: NixError, flakeDir: string | null) {
  const error = await placeNixError(flakeDir ? await mapFlakeError(ctx, nixError, flakeDir) : nixError);
  // a position inside nixpkgs or another input cannot be opened in the editor: it stays in the text only
  let location = error.location?.file.startsWith('/nix/store/') ? null : error.location;
  if (!location && error.file && !error.file.startsWith('/nix/store/')) {
    const source = await readFile(error.file, 'utf8').catch(() => null);
    const found = source ? locateOptionInText(source, error.summary) : null;
    location = { file: error.file, line: found?.line ?? 1, column: found?.column ?? 1 };
  }
  const explanation = await explainFailure(ctx, error.text, {
    tool: 'nixos-rebuild',
    configKind: flakeDir ? 'flake' : 'channels',
    location,
    configFile: path.join(ctx.host.nixosConfigDir, 'configuration.nix'),
    untracked: error.untracked ?? null,
  });
  return { error, location, explanation };
}

export async function configErrorFrom(ctx: AppContext, nixError: NixError, flakeDir: string | null = null) {
  const { error, location, explanation } = await placeFailure(ctx, nixError, flakeDir);
  const { dir } = await configFolder(ctx);
  return { message: error.summary, text: error.text, location, relativePath: location ? relativeTo(dir, location.file) : null, ...(explanation ? { explanation } : {}) };
}

/**
 * Evaluate the saved configuration without building: `nixos-rebuild dry-build` (as this user, nothing
 * changes), which evaluates every option and lists what a build would need.
 */
export async function evaluateConfig(ctx: AppContext, opts: { showTrace?: boolean } = {}) {
  const started = Date.now();
  const flake = await resolveFlake(ctx, undefined);
  const parser = new NixLogParser();
  let wouldBuild = 0;
  let wouldFetch = 0;
  const args = ['dry-build', ...(opts.showTrace ? ['--show-trace'] : []), ...(flake.attribute ? ['--flake', `${flake.dir}#${flake.attribute}`] : []), '-v', '--log-format', 'internal-json'];
  const onLine = (_s: string, line: string) => {
    const r = parser.feed(line);
    const m = r.log ? /^these (\d+) (derivations will be built|paths will be fetched)/.exec(r.log) ?? /^this (derivation will be built|path will be fetched)/.exec(r.log) : null;
    if (m) {
      const n = m.length === 3 ? Number(m[1]) : 1;
      if ((m[2] ?? m[1])!.startsWith('derivation')) wouldBuild = n;
      else wouldFetch = n;
    }
  };
  try {
    await ctx.runner.run('nixos-rebuild', args, { onLine, timeoutMs: 15 * 60_000, cwd: ctx.host.nixosConfigDir });
    return { ok: true, error: null, wouldBuild, wouldFetch, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    if (!(err instanceof CommandFailed)) throw err;
    const nixError = parser.mainError();
    const error = nixError
      ? await configErrorFrom(ctx, nixError, flake.dir)
      : { message: err.message, text: err.detail ?? '', location: null, relativePath: null };
    return { ok: false, error, wouldBuild, wouldFetch, seconds: (Date.now() - started) / 1000 };
  }
}

export async function writeConfig(ctx: AppContext, args: { path: string; content: string; expectedSha256?: string }) {
  const folder = await configFolder(ctx);
  if (folder.outside) {
    // your own checkout that /etc/nixos/flake.nix points into: yours to write, not root's
    const written = await writeFlakeFileAsUser(ctx, path.join(folder.dir, args.path), args.content, args.expectedSha256);
    ctx.events.emit({ topic: 'changed', what: 'config', detail: { path: args.path } });
    return written;
  }
  const result = await ctx.privileged.run('write-config', {
    relativePath: args.path,
    content: args.content,
    ...(args.expectedSha256 ? { expectedSha256: args.expectedSha256 } : {}),
  });
  ctx.events.emit({ topic: 'changed', what: 'config', detail: { path: args.path } });
  return result;
}

export async function listConfigBackups(ctx: AppContext, relPath?: string) {
  return ctx.privileged.run('config-backups', relPath ? { relativePath: relPath } : {});
}

export async function restoreConfigBackup(ctx: AppContext, backup: string) {
  const result = await ctx.privileged.run('restore-config', { backup });
  ctx.events.emit({ topic: 'changed', what: 'config', detail: { restored: backup } });
  return result;
}

/** Commit the configuration before a switch when it is a git repository, or when the person opted in (then the repository is made). */
export async function commitConfig(ctx: AppContext, opts: { generation: number | null; action: 'switch' | 'boot' | 'test'; optedIn: boolean }) {
  // a flake in your own checkout is yours to commit: the app commits only the configuration folder
  if ((await configFolder(ctx)).outside) return null;
  const isRepo = await pathExists(path.join(ctx.host.nixosConfigDir, '.git'));
  if (!isRepo && !opts.optedIn) return null;
  return ctx.privileged.run('config-commit', { generation: opts.generation, action: opts.action, init: opts.optedIn });
}
