import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { AppError } from '../errors';
import { helperContract, type HelperArgs, type HelperOperationName, type HelperResult } from '../helper/contract';
import { HELPER_EXIT, encodeArgs, helperEventSchema, operationClass, operationNamePattern, type HelperEvent } from '../helper/protocol';
import type { Host } from '../host';
import { defaultHelperCommand } from '../paths';
import type { JobContext } from './jobs';

export interface PrivilegedRunOptions {
  /** closing it asks the helper to stop, where stopping is safe */
  signal?: AbortSignal;
  /** the job this operation is part of: the helper's phases, progress and log lines become the job's */
  job?: Pick<JobContext, 'log' | 'phase' | 'progress'>;
  /** each log line is also written here (a job's log file, read after the app is gone) */
  logFile?: { write(line: string): void } | null;
  /** takes the helper's log lines instead of the job (a caller that reads them, e.g. to follow a build) */
  onLog?: (text: string, stream: 'stdout' | 'stderr' | 'info') => void;
}

/** Runs one of the root helper's named operations (electron/helper/contract.ts) with the rights it needs. */
export interface PrivilegedRunner {
  readonly backend: Host['privilege'];
  run<K extends HelperOperationName>(operation: K, args: HelperArgs<K>, opts?: PrivilegedRunOptions): Promise<HelperResult<K>>;
}

/** The one place a helper event reaches the job that asked for the operation. */
function forwardEvent(opts: PrivilegedRunOptions, event: Exclude<HelperEvent, { type: 'result' | 'error' }>) {
  if (event.type === 'phase') opts.job?.phase(event.phase, event.label, { cancellable: event.cancellable });
  else if (event.type === 'progress') opts.job?.progress(event.progress);
  else if (opts.onLog) opts.onLog(event.text, event.stream);
  else {
    opts.job?.log(event.text, event.stream);
    opts.logFile?.write(event.text);
  }
}

/** The helper's answer, checked against the operation's result schema: a helper from another version is not trusted to know its shape. */
function checkedResult<K extends HelperOperationName>(operation: K, value: unknown): HelperResult<K> {
  const parsed = helperContract[operation].result.safeParse(value);
  if (!parsed.success) {
    throw new AppError('internal', `The privileged helper's answer to "${operation}" is not what the app expects, so it was not used.`, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data as HelperResult<K>;
}

const PKEXEC_DISMISSED = 126;
const PKEXEC_NOT_AUTHORIZED = 127;

export const POLKIT_POLICY_FILE = 'org.nixos.companion.policy';
/** Where polkit reads actions from: Debian and most distributions, a local install, NixOS's system packages. */
export const POLKIT_ACTION_DIRS = ['/usr/share/polkit-1/actions', '/usr/local/share/polkit-1/actions', '/etc/polkit-1/actions', '/run/current-system/sw/share/polkit-1/actions'];

const needsPackage = (why: string) =>
  new AppError(
    'unsupported',
    `Changing the system needs NixOS Companion installed from the .deb package or the Nix package (on NixOS: the flake's module). ${why} Reading and searching work as they are.`,
  );

const APPIMAGE_HAS_NO_POLICY = 'The AppImage cannot install the polkit policy that lets the app ask for your administrator password.';

/**
 * argv for the helper: its command, the operation's privilege class (pkexec picks the polkit action by
 * it), the operation; `argsOnStdin` puts '-' in place of the arguments, which then go as the first stdin
 * line (argv is limited to 128 KiB an argument).
 */
function helperArgv(host: Host, operation: string, args: unknown, argsOnStdin: boolean): string[] {
  const privilegeClass = operationNamePattern.test(operation) ? operationClass(operation, args) : null;
  if (!privilegeClass) throw new AppError('refused', `The helper does not know the operation "${operation.slice(0, 60)}".`);
  const command = host.helperCommand.length ? host.helperCommand : defaultHelperCommand();
  return [...command, privilegeClass, operation, argsOnStdin ? '-' : encodeArgs(args)];
}

export interface PrivilegedRunnerOptions {
  /** the app's environment: APPIMAGE tells the AppImage */
  env?: NodeJS.ProcessEnv;
  /** where to look for the polkit policy when pkexec says no */
  policyDirs?: string[];
}

function parseEvent(line: string): HelperEvent | null {
  try {
    const parsed = helperEventSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Spawns the helper (under pkexec, or directly when already root) and streams its NDJSON events. */
class SpawnedHelperRunner implements PrivilegedRunner {
  constructor(
    readonly backend: 'pkexec' | 'direct',
    private readonly host: Host,
    private readonly options: PrivilegedRunnerOptions = {},
  ) {}

  private get appImage(): boolean {
    return Boolean((this.options.env ?? process.env).APPIMAGE);
  }

  private policyInstalled(): boolean {
    return (this.options.policyDirs ?? POLKIT_ACTION_DIRS).some((dir) => existsSync(path.join(dir, POLKIT_POLICY_FILE)));
  }

  async run<K extends HelperOperationName>(operation: K, args: HelperArgs<K>, opts: PrivilegedRunOptions = {}): Promise<HelperResult<K>> {
    return checkedResult(operation, await this.spawnHelper(operation, args, opts));
  }

  private async spawnHelper(operation: string, args: unknown, opts: PrivilegedRunOptions): Promise<unknown> {
    const argv = helperArgv(this.host, operation, args, true);
    // Inside the AppImage the helper lives on a per-run mount no polkit policy can name: pkexec would ask
    // for a generic "run a program as root" password, and root may not even read a user's FUSE mount.
    if (this.backend === 'pkexec' && this.appImage && this.host.helperCommand.length === 0) {
      throw needsPackage(APPIMAGE_HAS_NO_POLICY);
    }
    const [file, ...rest] = this.backend === 'pkexec' ? [this.host.commands.pkexec, ...argv] : argv;
    if (opts.signal?.aborted) throw new AppError('cancelled', 'Cancelled.');
    return new Promise<unknown>((resolve, reject) => {
      const child = spawn(file!, rest, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      });
      let result: { value: unknown } | null = null;
      let error: AppError | null = null;
      const stderrTail: string[] = [];
      const stdoutLines = readline.createInterface({ input: child.stdout });
      stdoutLines.on('line', (line) => {
        const event = parseEvent(line);
        if (!event) {
          forwardEvent(opts, { type: 'log', stream: 'stdout', text: line });
          return;
        }
        if (event.type === 'result') result = { value: event.value };
        else if (event.type === 'error') error = new AppError(event.error.code, event.error.message, event.error.detail, event.error.learn);
        else forwardEvent(opts, event);
      });
      readline.createInterface({ input: child.stderr }).on('line', (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
      });
      // Closing stdin is how the helper is asked to stop: a user process may not signal a root one.
      const onAbort = () => child.stdin.end();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdin.on('error', () => {});
      child.stdin.write(`${encodeArgs(args)}\n`);
      child.on('error', (err: NodeJS.ErrnoException) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (err.code === 'ENOENT') {
          reject(
            this.backend === 'pkexec'
              ? new AppError('command-missing', 'pkexec was not found, so the app cannot ask for the administrator password. Install polkit, or set "privilege" to "sudo-prompt".', String(err.message))
              : new AppError('command-missing', 'The app’s privileged helper could not be started.', String(err.message)),
          );
        } else reject(err);
      });
      child.on('close', (code) => {
        opts.signal?.removeEventListener('abort', onAbort);
        stdoutLines.close();
        if (this.backend === 'pkexec' && result === null && error === null) {
          if (code === PKEXEC_DISMISSED) return reject(new AppError('auth-cancelled', 'You cancelled the password prompt, so nothing was changed.'));
          if (code === PKEXEC_NOT_AUTHORIZED) {
            if (!this.policyInstalled()) return reject(this.appImage ? needsPackage(APPIMAGE_HAS_NO_POLICY) : needsPackage('The polkit policy that lets the app ask for your administrator password is not installed on this system.'));
            return reject(new AppError('not-authorized', 'Your account is not allowed to do this (polkit said no). Ask an administrator, or use an account in the wheel group.'));
          }
        }
        if (error) return reject(error);
        if (code === HELPER_EXIT.ok && result) return resolve(result.value);
        if (opts.signal?.aborted) return reject(new AppError('cancelled', 'Cancelled.'));
        // its stack stays in the main process's log; the page gets the error's own words only
        if (stderrTail.length) console.error(`[privileged helper] exit ${code}:\n${stderrTail.join('\n')}`);
        const thrown = stderrTail.filter((l) => /^[A-Za-z]*Error\b/.test(l));
        const words = thrown.length ? thrown.slice(-2) : stderrTail.filter((l) => l.trim() && !/^\s+at /.test(l)).slice(-3);
        reject(new AppError('internal', `The privileged helper stopped unexpectedly (exit code ${code}).`, words.join('\n') || undefined));
      });
    });
  }
}

/** sudo-prompt: for macOS, Windows and Linux systems without pkexec. It takes one command string, so every part is checked to be inert first. */
class SudoPromptRunner implements PrivilegedRunner {
  readonly backend = 'sudo-prompt' as const;
  constructor(private readonly host: Host) {}

  async run<K extends HelperOperationName>(operation: K, args: HelperArgs<K>, opts: PrivilegedRunOptions = {}): Promise<HelperResult<K>> {
    const argv = helperArgv(this.host, operation, args, false);
    if (argv.at(-1)!.length > 100_000) throw new AppError('unsupported', 'This change is too large to pass through the password prompt on this system.');
    for (const part of argv) {
      if (!/^[A-Za-z0-9._/+=:-]+$/.test(part)) throw new AppError('refused', 'The helper path contains characters that cannot be passed safely to the password prompt.', part);
    }
    const sudo = (await import('sudo-prompt')).default;
    const stdout = await new Promise<string>((resolve, reject) => {
      sudo.exec(argv.join(' '), { name: 'NixOS Companion' }, (err, out) => {
        if (err && /did not grant permission/i.test(err.message)) reject(new AppError('auth-cancelled', 'You cancelled the password prompt, so nothing was changed.'));
        else if (err && !out) reject(new AppError('not-authorized', 'The administrator password prompt failed.', err.message));
        else resolve(String(out ?? ''));
      });
    });
    let value: unknown;
    let found = false;
    for (const line of stdout.split('\n')) {
      const event = parseEvent(line);
      if (!event) continue;
      if (event.type === 'error') throw new AppError(event.error.code, event.error.message, event.error.detail);
      if (event.type === 'result') {
        value = event.value;
        found = true;
      } else forwardEvent(opts, event);
    }
    if (!found) throw new AppError('internal', 'The privileged helper gave no answer.');
    return checkedResult(operation, value);
  }
}

export function createPrivilegedRunner(host: Host, options: PrivilegedRunnerOptions = {}): PrivilegedRunner {
  switch (host.privilege) {
    case 'pkexec':
      return new SpawnedHelperRunner('pkexec', host, options);
    case 'direct':
      return new SpawnedHelperRunner('direct', host);
    case 'sudo-prompt':
      return new SudoPromptRunner(host);
  }
}
