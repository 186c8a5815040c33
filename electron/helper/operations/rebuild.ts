import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors';
import type { Host } from '../../host';
import { flakeFolder } from '../../core/flake-dir';
import { LogFollower } from '../../core/follow-log';
import { writeFileAtomic } from '../../core/fs';
import { CommandRunner } from '../../core/process';
import { currentGeneration } from '../../core/profile';
import { channelUpdateFailed, NOTHING_TO_UPGRADE, upgradeChannelNames } from '../../core/channels';
import { generationsOperations } from './generations';
import type { HelperIO } from '../io';
import type { HelperImplementations } from './types';

/**
 * Everything that builds or activates a system as root. The caller names what to do; every path the
 * helper acts on is one it found or recorded itself (a build it made, a generation that exists in the
 * profile, the running system it saw before a trial), never a path the caller passed.
 */

export const ACTIVATION_UNIT = 'nixos-rebuild-switch-to-configuration';
const STATE_FILE = 'activation.json';
const TRIAL_FILE = 'trial.json';
const BUILDS_DIR = 'builds';
const BUILD_MAX_AGE_MS = 24 * 3600_000;


/** What the app reads to reattach: written by the helper when an activation starts, completed when it ends. */
export interface ActivationState {
  id: string;
  unit: string | null;
  pid: number;
  storePath: string;
  action: string;
  logFile: string;
  startedAt: string;
  endedAt?: string;
  exitCode?: number | null;
}

/** Runs a command with its output as the operation's log; the exit code is the caller's to judge. Only a cancellable step stops when asked. */
async function runLines(io: HelperIO, file: string, args: string[], opts: { cwd?: string; cancellable: boolean; env?: Record<string, string> }): Promise<number> {
  const { exitCode } = await new CommandRunner(io.host).run(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    check: false,
    onLine: (stream, line) => io.log(line, stream),
    ...(opts.cancellable ? { signal: io.signal } : {}),
  });
  return exitCode;
}

async function runOrFail(io: HelperIO, file: string, args: string[], what: string, opts: { cwd?: string; cancellable: boolean }): Promise<void> {
  const code = await runLines(io, file, args, opts);
  if (code !== 0) throw new AppError('command-failed', `${what} failed (exit code ${code}).`);
}

function commandExists(cmd: string): boolean {
  if (cmd.includes('/')) return existsSync(cmd);
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(path.join(dir, cmd)));
}

/** The flags nixos-rebuild passes to systemd-run for activation (NixOS 24.11), followed by the command. */
function systemdRunArgv(host: Host, command: string[]): string[] {
  return [
    host.commands['systemd-run'],
    '-E', 'LOCALE_ARCHIVE',
    '-E', 'NIXOS_INSTALL_BOOTLOADER',
    '--collect',
    '--no-ask-password',
    '--pipe',
    '--quiet',
    '--service-type=exec',
    `--unit=${ACTIVATION_UNIT}`,
    '--wait',
    ...command,
  ];
}

/**
 * systemd-run keeps the activation alive whatever happens to the app. Like nixos-rebuild, check that it
 * works by running `true` with the same flags (in a container or a chroot it cannot reach systemd); the
 * answer is null when it works, or why not.
 */
export function systemdRunProblem(host: Host): Promise<string | null> {
  if (!host.useSystemdRun) return Promise.resolve('it is turned off for this host');
  if (!commandExists(host.commands['systemd-run'])) return Promise.resolve(`${host.commands['systemd-run']} was not found`);
  const [file, ...args] = systemdRunArgv(host, ['true']);
  return new CommandRunner(host).run(file!, args, { timeoutMs: 15_000, check: false }).then(
    ({ exitCode, stderr }) => (exitCode === 0 ? null : stderr.trim().split('\n').at(-1) || `it exited with code ${exitCode}`),
    (err: AppError) => (err.code === 'timeout' ? 'it did not answer within 15 s' : err.message),
  );
}

async function writeState(dir: string, state: ActivationState) {
  await writeFileAtomic(path.join(dir, STATE_FILE), JSON.stringify(state), { mode: 0o644 });
}

async function ensureActivationDir(host: Host): Promise<string> {
  await mkdir(host.activationDir, { recursive: true, mode: 0o755 });
  const st = await lstat(host.activationDir);
  if (!st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
    throw new AppError('refused', `${host.activationDir} is not a folder owned by the administrator, so the helper will not use it.`);
  }
  return host.activationDir;
}

/** Is an activation recorded in the state file still running? */
export function activationAlive(state: ActivationState): boolean {
  if (state.endedAt) return false;
  try {
    process.kill(state.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8');
    return cmdline.includes('switch-to-configuration') || cmdline.includes('systemd-run');
  } catch {
    return false;
  }
}

/**
 * Runs `<system>/bin/switch-to-configuration <action>` so that nothing the app does (closing, crashing)
 * can stop it half way: under systemd-run (as nixos-rebuild does) or detached in its own session, with
 * its output going straight to a log file that the helper follows and the app can reread after a restart.
 */
export async function runActivation(io: HelperIO, storePath: string, action: 'switch' | 'boot' | 'test'): Promise<void> {
  const host = io.host;
  const switcher = path.join(storePath, 'bin/switch-to-configuration');
  if (!existsSync(switcher)) throw new AppError('refused', `${storePath} has no bin/switch-to-configuration, so it is not a NixOS system that can be activated.`);
  const dir = await ensureActivationDir(host);
  const previous = await readFile(path.join(dir, STATE_FILE), 'utf8')
    .then((t) => JSON.parse(t) as ActivationState)
    .catch(() => null);
  if (previous && activationAlive(previous)) {
    throw new AppError('busy', 'Another activation is still running. Wait for it to finish before starting a new one.', `log: ${previous.logFile}`);
  }
  const id = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  const logFile = path.join(dir, `activation-${id}.log`);
  const fd = openSync(logFile, 'a', 0o644);
  io.phase('activate', action === 'boot' ? 'Making it the boot default' : 'Activating the new configuration', false);
  const problem = await systemdRunProblem(host);
  if (problem && /already (exists|loaded)/i.test(problem)) {
    // a nixos-rebuild started outside the app is activating in that unit right now: never run a second one beside it
    closeSync(fd);
    throw new AppError('busy', 'Another activation (maybe a nixos-rebuild started in a terminal) is still running. Wait for it to finish before starting a new one.', problem);
  }
  const systemd = problem === null;
  const argv = systemd ? systemdRunArgv(host, [switcher, action]) : [switcher, action];
  if (host.useSystemdRun && !systemd) io.log(`systemd-run does not work here (${problem}), so the activation runs as a detached process instead.`, 'info');
  io.log(`Activating ${storePath} (${action})${systemd ? ` in the systemd unit ${ACTIVATION_UNIT}` : ' as a detached process'}`, 'info');
  // The activation's stdout/stderr are the log file itself, not pipes to this helper: if the helper dies, the activation goes on writing.
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, NIXOS_INSTALL_BOOTLOADER: process.env.NIXOS_INSTALL_BOOTLOADER ?? '' } });
  // Listen at once: a quick activation can end before the state file below is written.
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new AppError('command-missing', `${argv[0]} was not found.`) : err));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  closeSync(fd);
  const state: ActivationState = { id, unit: systemd ? ACTIVATION_UNIT : null, pid: child.pid ?? 0, storePath, action, logFile, startedAt: new Date().toISOString() };
  await writeState(dir, state);

  const exitCode = await new LogFollower(logFile, (line) => io.log(line, 'stdout')).until(exited);
  await writeState(dir, { ...state, endedAt: new Date().toISOString(), exitCode });
  if (exitCode === 4) {
    throw new AppError('command-failed', 'The new configuration is active, but some services failed to start or restart. Check the log, and the services with "systemctl --failed".', `switch-to-configuration ${action} exited with code 4`);
  }
  if (exitCode !== 0) {
    throw new AppError('command-failed', `Activation failed (exit code ${exitCode}). The log shows what went wrong; the previous generation is still in the boot menu.`, `switch-to-configuration ${action}`);
  }
}

async function buildDir(host: Host, buildId: string): Promise<string> {
  const dir = path.join(host.activationDir, BUILDS_DIR, buildId);
  const st = await lstat(dir).catch(() => null);
  if (!st || !st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
    throw new AppError('not-found', 'That build is no longer available. Build the configuration again.');
  }
  return dir;
}

async function builtSystem(host: Host, buildId: string): Promise<string> {
  const dir = await buildDir(host, buildId);
  const storePath = await realpath(path.join(dir, 'result')).catch(() => null);
  if (!storePath || !storePath.startsWith(path.join(host.nixStoreDir, '/'))) throw new AppError('not-found', 'That build left no system to activate. Build the configuration again.');
  return storePath;
}

async function pruneOldBuilds(host: Host) {
  const root = path.join(host.activationDir, BUILDS_DIR);
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const st = await stat(path.join(root, name)).catch(() => null);
    if (st && Date.now() - st.mtimeMs > BUILD_MAX_AGE_MS) await rm(path.join(root, name), { recursive: true, force: true });
  }
}

/**
 * nixos-rebuild's arguments. The flake is the folder /etc/nixos/flake.nix really is in (found here, as
 * nixos-rebuild finds it: its realpath's parent), never a path from the caller. Never --upgrade:
 * nixos-rebuild-ng ignores a failed channel update (nix.upgrade_channels runs nix-channel with
 * check=False) and would build the old channel; the channels are updated first, checked (below).
 */
async function rebuildArgs(host: Host, args: { action: string; showTrace: boolean; flakeAttribute: string | null }): Promise<string[]> {
  const argv = [args.action];
  if (args.showTrace) argv.push('--show-trace');
  if (args.flakeAttribute !== null) {
    const folder = await flakeFolder(host);
    argv.push('--flake', `${folder?.dir ?? host.nixosConfigDir}#${args.flakeAttribute}`);
  }
  argv.push('-v', '--log-format', 'internal-json');
  return argv;
}

/** The channels `nixos-rebuild --upgrade` would update, updated as a step of its own that fails the rebuild when it fails. */
async function upgradeChannels(io: HelperIO): Promise<string[]> {
  const names = await upgradeChannelNames(io.host);
  if (!names.length) throw new AppError('not-found', NOTHING_TO_UPGRADE);
  try {
    await generationsOperations['channel-update']({ names }, io);
  } catch (err) {
    if (err instanceof AppError && err.code === 'cancelled') throw err;
    const detail = err instanceof AppError ? [err.message, err.detail].filter(Boolean).join('\n') : String(err);
    throw new AppError('network', channelUpdateFailed(names), detail);
  }
  return names;
}

async function setProfile(io: HelperIO, storePath: string): Promise<number | null> {
  await runOrFail(io, io.host.commands['nix-env'], ['-p', io.host.systemProfile, '--set', storePath], 'Setting the system profile', { cancellable: false });
  return currentGeneration(io.host.systemProfile);
}

export const rebuildOperations = {
  rebuild: async (args, io) => {
    if (args.upgrade) await upgradeChannels(io);
    io.phase('build', 'Evaluating and building', true);
    const command = io.host.commands['nixos-rebuild'];
    const argv = await rebuildArgs(io.host, args);
    if (args.action === 'dry-build') {
      const code = await runLines(io, command, argv, { cancellable: true });
      if (code !== 0) throw new AppError('nix-error', `nixos-rebuild dry-build failed (exit code ${code}).`);
      return { buildId: null, storePath: null };
    }
    await ensureActivationDir(io.host);
    await pruneOldBuilds(io.host);
    const buildId = randomBytes(8).toString('hex');
    const dir = path.join(io.host.activationDir, BUILDS_DIR, buildId);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    try {
      const code = await runLines(io, command, argv, { cwd: dir, cancellable: true });
      if (code !== 0) throw new AppError('nix-error', `nixos-rebuild build failed (exit code ${code}).`);
      return { buildId, storePath: await builtSystem(io.host, buildId) };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  },

  activate: async (args, io) => {
    const storePath = await builtSystem(io.host, args.buildId);
    let generation: number | null = null;
    if (args.trial) {
      const previous = await realpath(io.host.currentSystem).catch(() => null);
      const dir = await ensureActivationDir(io.host);
      await writeFile(path.join(dir, TRIAL_FILE), JSON.stringify({ previous, buildId: args.buildId, startedAt: new Date().toISOString() }), { mode: 0o644 });
    }
    if (args.action !== 'test') {
      io.phase('profile', 'Setting the boot default', false);
      generation = await setProfile(io, storePath);
    }
    await runActivation(io, storePath, args.action);
    return { storePath, generation };
  },

  'revert-trial': async (_args, io) => {
    const dir = await ensureActivationDir(io.host);
    const trial = JSON.parse(await readFile(path.join(dir, TRIAL_FILE), 'utf8').catch(() => 'null')) as { previous: string | null } | null;
    if (!trial?.previous) throw new AppError('not-found', 'There is no trial to revert: the system that ran before it is not recorded.');
    const previous = await realpath(trial.previous).catch(() => null);
    if (!previous || !previous.startsWith(path.join(io.host.nixStoreDir, '/'))) throw new AppError('not-found', 'The system that ran before the trial is no longer in the Nix store.');
    await runActivation(io, previous, 'test');
    await rm(path.join(dir, TRIAL_FILE), { force: true });
    return { storePath: previous };
  },

  'end-trial': async (_args, io) => {
    await rm(path.join(io.host.activationDir, TRIAL_FILE), { force: true });
    return { ok: true };
  },

  'config-commit': async (args, io) => {
    const dir = io.host.nixosConfigDir;
    const git = io.host.commands.git;
    const gitRun = async (argv: string[]) => {
      const out: string[] = [];
      const { exitCode } = await new CommandRunner(io.host).run(git, ['-C', dir, ...argv], { env: { GIT_TERMINAL_PROMPT: '0' }, check: false, onLine: (_stream, line) => out.push(line) });
      return { code: exitCode, out: out.join('\n') };
    };
    const isRepo = existsSync(path.join(dir, '.git'));
    if (!isRepo) {
      if (!args.init) return { committed: false, message: '', revision: null };
      const init = await gitRun(['init', '--quiet']);
      if (init.code !== 0) throw new AppError('command-failed', 'git init failed in the configuration folder.', init.out);
    }
    const add = await gitRun(['add', '--all', '--', '.', ':(exclude).nixos-companion-backups']);
    if (add.code !== 0) throw new AppError('command-failed', 'git add failed in the configuration folder.', add.out);
    const status = await gitRun(['status', '--porcelain']);
    const message = args.generation !== null ? `NixOS generation ${args.generation} (${args.action})` : `NixOS configuration (${args.action})`;
    if (status.out.trim() === '') {
      const head = await gitRun(['rev-parse', '--verify', '--quiet', 'HEAD']);
      return { committed: false, message: 'nothing changed since the last commit', revision: head.code === 0 ? head.out.trim() : null };
    }
    // Keep the committer git already knows; only a repository with no identity at all gets the app's.
    const identity = (await gitRun(['config', 'user.email'])).out.trim() ? [] : ['-c', 'user.name=NixOS Companion', '-c', 'user.email=nixos-companion@localhost'];
    const commit = await gitRun([...identity, 'commit', '--quiet', '--no-verify', '-m', message]);
    if (commit.code !== 0) throw new AppError('command-failed', 'git commit failed in the configuration folder.', commit.out);
    const head = await gitRun(['rev-parse', 'HEAD']);
    io.log(`Committed the configuration: ${message}`, 'info');
    return { committed: true, message, revision: head.out.trim() };
  },
} satisfies Partial<HelperImplementations>;
