import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { AppError } from '../errors';
import type { CommandName, Host } from '../host';

export type Stream = 'stdout' | 'stderr';

export interface RunOptions {
  cwd?: string;
  /** added to this process's environment */
  env?: Record<string, string | undefined>;
  /** kill the whole process group after this long */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** called for every line as it arrives; when set, output is not buffered unless `buffer` is true */
  onLine?: (stream: Stream, line: string) => void;
  buffer?: boolean;
  input?: string;
  /** exit codes that are not failures */
  okExitCodes?: number[];
  /** false: any exit code is returned, not thrown (the caller reads it) */
  check?: boolean;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const KILL_GRACE_MS = 3000;

/** Kill a detached child and everything it started: the group id is the child's pid. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Children still running when this process exits are stopped with it, as a terminal's Ctrl+C would stop
 * them (they lead their own process groups, so nothing else would). One registry for the process, not
 * for an app: it follows the OS process's life.
 */
const running = new Set<number>();
let exitHook = false;
function track(pid: number | undefined): () => void {
  if (!pid) return () => {};
  running.add(pid);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const p of running) killGroup(p, 'SIGTERM');
    });
  }
  return () => running.delete(pid);
}

function lines(stream: Readable | null, name: Stream, onLine: (s: Stream, l: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => onLine(name, line));
  return new Promise((resolve) => rl.once('close', resolve));
}

/**
 * Runs commands as argv arrays (never a shell string), streaming stdout and stderr line by line. Each
 * child leads its own process group, so cancel and timeout stop everything it started (SIGTERM, then
 * SIGKILL after 3 s). The one runner of the app and of the root helper.
 */
export class CommandRunner {
  constructor(private readonly host: Pick<Host, 'commands'>) {}

  resolve(command: CommandName | string): string {
    return (this.host.commands as Record<string, string>)[command] ?? command;
  }

  async run(command: CommandName | string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const file = this.resolve(command);
    if (opts.signal?.aborted) throw new AppError('cancelled', 'Cancelled.');
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      detached: true,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const untrack = track(child.pid);
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }

    const keep = opts.buffer ?? !opts.onLine;
    const out: string[] = [];
    const err: string[] = [];
    const onLine = (s: Stream, line: string) => {
      if (keep) (s === 'stdout' ? out : err).push(line);
      opts.onLine?.(s, line);
    };
    const readers = Promise.all([lines(child.stdout, 'stdout', onLine), lines(child.stderr, 'stderr', onLine)]);

    let stoppedBy: 'cancel' | 'timeout' | null = null;
    let forceTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'cancel' | 'timeout') => {
      if (stoppedBy) return;
      stoppedBy = why;
      killGroup(child.pid, 'SIGTERM');
      forceTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      forceTimer.unref();
    };
    const onAbort = () => stop('cancel');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;

    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error: NodeJS.ErrnoException | null }>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal, error: null }));
    });
    await readers;
    untrack();
    if (timer) clearTimeout(timer);
    if (forceTimer) clearTimeout(forceTimer);
    opts.signal?.removeEventListener('abort', onAbort);

    const stdout = out.join('\n');
    const stderr = err.join('\n');
    const name = args.length ? `${command} ${args[0]}` : command;
    if (ended.error?.code === 'ENOENT') throw new AppError('command-missing', `The command "${command}" was not found on this system.`, `Looked for: ${file}`, 'nix');
    if (ended.error) throw new AppError('command-failed', `"${command}" could not be started.`, ended.error.message);
    if (stoppedBy === 'cancel') throw new AppError('cancelled', 'Cancelled.');
    if (stoppedBy === 'timeout') throw new AppError('timeout', `"${name}" took longer than ${Math.round((opts.timeoutMs ?? 0) / 1000)} s and was stopped.`);
    const exitCode = ended.code ?? (ended.signal ? 128 : 1);
    if (opts.check !== false && exitCode !== 0 && !(opts.okExitCodes ?? []).includes(exitCode)) {
      throw new CommandFailed(command, args, exitCode, stdout, stderr);
    }
    return { exitCode, stdout, stderr };
  }
}

export class CommandFailed extends AppError {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-12).join('\n');
    super('command-failed', `"${command}" failed (exit code ${exitCode}).`, tail || stdout.trim().split('\n').slice(-12).join('\n'));
  }
}
