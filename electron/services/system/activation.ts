import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Preview, RebuildResult } from '../../../shared/contract/system-rebuild';
import type { AppContext } from '../../context';
import { stripAnsi } from '../../core/text';
import { AppError } from '../../errors';
import { activationAlive, type ActivationState } from '../../helper/operations/rebuild';
import type { JobContext, JobPlan } from '../../exec/jobs';
import { diffClosures } from './diff';
import { LogFollower } from './follow-log';
import { specialisationPaths } from './generations-running';
import { readTrimmed } from './profile';
import { closureEntryName } from './store-names';

/** A system's kernel: its version (the folder under lib/modules) and the kernel file's store path. */
export interface KernelInfo {
  version: string | null;
  image: string | null;
}

export async function kernelOf(systemPath: string): Promise<KernelInfo> {
  const image = await realpath(path.join(systemPath, 'kernel')).catch(() => null);
  if (!image) return { version: null, image: null };
  const modules = await readdir(path.join(path.dirname(image), 'lib/modules')).catch(() => [] as string[]);
  return { version: modules[0] ?? null, image };
}

/** Does activating `target` leave the machine on a kernel other than the running one (so a reboot is needed)? */
export async function kernelChange(ctx: AppContext, target: string) {
  const [running, next] = await Promise.all([kernelOf(ctx.host.currentSystem), kernelOf(target)]);
  const changes = running.image !== next.image || running.version !== next.version;
  return { running: running.version, target: next.version, changes: changes && (running.image !== null || next.image !== null) };
}

export async function nixosVersions(ctx: AppContext, target: string) {
  const [running, next] = await Promise.all([readTrimmed(path.join(ctx.host.currentSystem, 'nixos-version')), readTrimmed(path.join(target, 'nixos-version'))]);
  return { running, target: next };
}

/** Every line of a job also goes to `<stateDir>/jobs/<id>.log`, so it can be read after the app is gone. */
export class JobLogFile {
  private stream: WriteStream | null = null;
  readonly file: string;

  constructor(ctx: AppContext, jobId: string) {
    this.file = path.join(ctx.host.stateDir, 'jobs', `${jobId}.log`);
  }

  async open() {
    await mkdir(path.dirname(this.file), { recursive: true });
    this.stream = createWriteStream(this.file, { flags: 'a' });
    this.stream.on('error', () => {
      this.stream = null;
    });
  }

  write(line: string) {
    this.stream?.write(`${line}\n`);
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    return new Promise((resolve) => (s ? s.end(resolve) : resolve()));
  }
}

export async function readActivationState(ctx: AppContext): Promise<ActivationState | null> {
  try {
    return JSON.parse(await readFile(path.join(ctx.host.activationDir, 'activation.json'), 'utf8')) as ActivationState;
  } catch {
    return null;
  }
}

/**
 * After a restart: if an activation the helper started is still running (in its systemd unit, or as
 * the detached process), a job that picks it up, shows its log from the start and ends with it (the
 * handler of system.rebuild.reattach starts it); null when there is none to pick up.
 */
export async function reattachJob(ctx: AppContext, pollMs = 250): Promise<JobPlan<RebuildResult> | null> {
  const state = await readActivationState(ctx);
  if (!state || !activationAlive(state)) return null;
  if (ctx.jobs.running('system').length > 0) return null;
  const work = async (job: JobContext): Promise<RebuildResult> => {
    job.phase('activate', 'Activating the new configuration (started before the app restarted)', { cancellable: false });
    const logFile = new JobLogFile(ctx, job.id);
    await logFile.open();
    const follower = new LogFollower(state.logFile, (line) => {
      job.log(line, 'stdout');
      logFile.write(line);
    });
    const started = Date.parse(state.startedAt);
    for (;;) {
      await follower.poll();
      const now = await readActivationState(ctx);
      if (!now || now.id !== state.id || !activationAlive(now)) break;
      job.progress({ fraction: null, message: 'Activating (picked up after a restart)' });
      await new Promise((r) => setTimeout(r, pollMs));
    }
    await follower.finish();
    const final = await readActivationState(ctx);
    await logFile.close();
    ctx.events.emit({ topic: 'changed', what: 'system-profile' });
    const exitCode = final?.id === state.id ? final.exitCode : undefined;
    if (typeof exitCode === 'number' && exitCode !== 0) {
      throw new AppError('command-failed', `The activation that was running when the app restarted ended with errors (exit code ${exitCode}). The log shows what went wrong.`);
    }
    if (exitCode === undefined || exitCode === null) job.log('The activation ended; the app was not running to see its exit status. Check the log above.', 'info');
    return {
      action: (['switch', 'boot', 'test'].includes(state.action) ? state.action : 'switch') as 'switch' | 'boot' | 'test',
      storePath: state.storePath,
      generation: null,
      activated: true,
      stoppedAtPreview: false,
      preview: null,
      commit: null,
      builds: { done: 0, expected: 0, running: 0, failed: 0 },
      downloads: { done: 0, expected: 0, running: 0, failed: 0 },
      elapsedSeconds: Math.max(0, (Date.now() - (Number.isFinite(started) ? started : Date.now())) / 1000),
      reattached: true,
    };
  };
  return { title: `Activation of ${path.basename(state.storePath)} (picked up after a restart)`, exclusiveGroup: 'system', cancellable: false, work };
}

const NIX_COMMAND_FLAGS = ['--extra-experimental-features', 'nix-command'];

/** One line of `nix store diff-closures`: `name: 1.0, 1.1 → 2.0, +12.3 KiB` (∅ = absent, ε = empty version). */
export function parseDiffClosuresLine(raw: string): { name: string; before: string[]; after: string[] } | null {
  const line = stripAnsi(raw).trim();
  const colon = line.indexOf(': ');
  if (colon <= 0) return null;
  const name = line.slice(0, colon);
  const rest = line.slice(colon + 2);
  const arrow = rest.indexOf(' → ');
  if (arrow < 0) return null;
  const versions = (s: string) => (s === '∅' ? [] : s.split(', ').map((v) => (v === 'ε' ? '' : v)));
  const after = rest.slice(arrow + 3).replace(/, [+-]\d[\d.]* [KMGT]?i?B$/, '');
  return { name, before: versions(rest.slice(0, arrow)), after: versions(after) };
}

/** The names `nix store diff-closures` gives the specialisation toplevels of these systems (never the systems' own names). */
async function specialisationToplevelNames(systems: string[]): Promise<Set<string>> {
  const paths = (await Promise.all(systems.map(specialisationPaths))).flatMap((m) => [...m.values()]);
  const own = new Set(systems.map((s) => closureEntryName(s).name));
  return new Set(paths.map((p) => closureEntryName(p).name).filter((n) => !own.has(n)));
}

/** What switching from the running system to `target` changes: packages (from `nix store diff-closures`), kernel, NixOS version, closure size. */
export async function previewSwitch(ctx: AppContext, target: string): Promise<Preview> {
  const from = await realpath(ctx.host.currentSystem).catch(() => null);
  const [kernel, nixosVersion] = await Promise.all([kernelChange(ctx, target), nixosVersions(ctx, target)]);
  if (!from) return { from: null, to: target, kernel, nixosVersion, changes: [], closureSizeDelta: null, source: 'none: no running system' };
  try {
    const diff = await diffClosures(ctx, { from, to: target });
    return {
      from,
      to: target,
      kernel,
      nixosVersion,
      changes: diff.changes.map((c) => ({ name: c.name, before: c.before, after: c.after })),
      closureSizeDelta: diff.closureSizeDelta,
      source: 'system.diff',
    };
  } catch {
    /* fall back to Nix's own comparison below */
  }
  const { stdout } = await ctx.runner.run('nix', [...NIX_COMMAND_FLAGS, 'store', 'diff-closures', from, target], { timeoutMs: 300_000 });
  // as system.diff does: a specialisation's toplevel is a system, not a package
  const specialisationNames = await specialisationToplevelNames([from, target]);
  const changes = stdout
    .split('\n')
    .map(parseDiffClosuresLine)
    .filter((c): c is NonNullable<typeof c> => c !== null && !specialisationNames.has(c.name));
  let closureSizeDelta: number | null = null;
  try {
    const sizes = await ctx.runner.run('nix', [...NIX_COMMAND_FLAGS, 'path-info', '--json', '--closure-size', from, target], { timeoutMs: 120_000 });
    const parsed = JSON.parse(sizes.stdout) as unknown;
    const list: { path?: string; closureSize?: number }[] = Array.isArray(parsed) ? parsed : Object.entries(parsed as Record<string, { closureSize?: number }>).map(([p, v]) => ({ ...v, path: p }));
    const size = (p: string) => list.find((i) => i.path === p)?.closureSize;
    const a = size(from);
    const b = size(target);
    if (typeof a === 'number' && typeof b === 'number') closureSizeDelta = b - a;
  } catch {
    /* sizes are a nicety */
  }
  return { from, to: target, kernel, nixosVersion, changes, closureSizeDelta, source: 'nix store diff-closures' };
}
