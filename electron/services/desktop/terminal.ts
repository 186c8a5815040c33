import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { packageAttrSchema, programNameSchema, type TryPackageResult } from '../../../shared/contract/search';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { flakeFolder } from '../system/flake-dir';

/**
 * "Try it": a package without installing it. In the person's own terminal, a shell that has the package
 * (`nix-shell -p attr` on a channel system, `nix shell nixpkgs#attr` with a flake), or its program
 * started directly (`nix-shell -p attr --run prog`, `nix run nixpkgs#attr`). Every command is an argv
 * array; the attribute and program names are checked against their grammar before anything runs.
 */

type Env = NodeJS.ProcessEnv;

/** How each terminal takes a command to run, from its own manual. */
const TERMINALS: Record<string, (bin: string, command: string[]) => string[]> = {
  // the XDG proposal's launcher: the command as its arguments
  'xdg-terminal-exec': (bin, command) => [bin, ...command],
  // GNOME Console: kgx [OPTION…] [-- COMMAND [ARGUMENT…]]
  kgx: (bin, command) => [bin, '--', ...command],
  // gnome-terminal: -e/-x are deprecated; everything after -- is the command
  'gnome-terminal': (bin, command) => [bin, '--', ...command],
  // konsole: -e COMMAND [ARGS…], the rest of the line
  konsole: (bin, command) => [bin, '-e', ...command],
  // xfce4-terminal: -x runs the rest of the line (-e takes one string)
  'xfce4-terminal': (bin, command) => [bin, '-x', ...command],
  // alacritty: -e COMMAND [ARGS…]
  alacritty: (bin, command) => [bin, '-e', ...command],
  // kitty and foot: the command line after the options
  kitty: (bin, command) => [bin, ...command],
  foot: (bin, command) => [bin, ...command],
  // wezterm: start [-- PROG [ARGS…]]
  wezterm: (bin, command) => [bin, 'start', '--', ...command],
  // xterm: -e must be the last option; the rest is the program and its arguments
  xterm: (bin, command) => [bin, '-e', ...command],
  // Debian's alternative: "x-terminal-emulator -e command args" (Debian policy 11.8.3)
  'x-terminal-emulator': (bin, command) => [bin, '-e', ...command],
};
export const KNOWN_TERMINALS = ['kgx', 'gnome-terminal', 'konsole', 'xfce4-terminal', 'alacritty', 'kitty', 'foot', 'wezterm', 'xterm'] as const;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable a name means on this PATH (a path is taken as it is), or null. */
export function which(name: string, env: Env): string | null {
  if (!name) return null;
  if (name.includes('/')) return executable(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

export interface TerminalLaunch {
  name: string;
  argv: string[];
}

async function gsettings(bin: string, key: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['get', 'org.gnome.desktop.default-applications.terminal', key], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // a GVariant string: 'gnome-terminal'
      const value = /^'(.*)'$/.exec(out.trim())?.[1] ?? null;
      resolve(code === 0 && value ? value : null);
    });
  });
}

/**
 * The person's terminal, in the order desktops look for it: xdg-terminal-exec, $TERMINAL,
 * x-terminal-emulator, GNOME's default-applications setting, then a short list of known terminals.
 */
export async function findTerminal(command: string[], env: Env = process.env): Promise<TerminalLaunch | null> {
  const known = (bin: string, name: string) => ({ name, argv: TERMINALS[name]!(bin, command) });
  const xdg = which('xdg-terminal-exec', env);
  if (xdg) return known(xdg, 'xdg-terminal-exec');
  const fromEnv = env.TERMINAL?.trim();
  if (fromEnv && !/\s/.test(fromEnv)) {
    const bin = which(fromEnv, env);
    const name = path.basename(fromEnv);
    // an unknown one gets -e, the convention $TERMINAL launchers (i3-sensible-terminal) rely on
    if (bin) return TERMINALS[name] ? known(bin, name) : { name, argv: [bin, '-e', ...command] };
  }
  const debian = which('x-terminal-emulator', env);
  if (debian) return known(debian, 'x-terminal-emulator');
  const gs = which('gsettings', env);
  if (gs) {
    const exec = await gsettings(gs, 'exec');
    const bin = exec && !/\s/.test(exec) ? which(exec, env) : null;
    if (bin && exec) {
      const name = path.basename(exec);
      if (TERMINALS[name]) return known(bin, name);
      const execArg = await gsettings(gs, 'exec-arg');
      return { name, argv: [bin, ...(execArg && !/\s/.test(execArg) ? [execArg] : ['-e']), ...command] };
    }
  }
  for (const name of KNOWN_TERMINALS) {
    const bin = which(name, env);
    if (bin) return known(bin, name);
  }
  return null;
}

/** An argument as a person would type it in a shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./#-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command that tries the package: a shell with it, or its program. */
export function tryCommand(ctx: AppContext, opts: { attr: string; mode: 'shell' | 'run'; program?: string; flake: boolean }): string[] {
  const nixFlags = ['--extra-experimental-features', 'nix-command flakes'];
  if (opts.flake) {
    return [ctx.runner.resolve('nix'), ...nixFlags, opts.mode === 'shell' ? 'shell' : 'run', `nixpkgs#${opts.attr}`];
  }
  const base = [ctx.runner.resolve('nix-shell'), '-p', opts.attr];
  if (opts.mode === 'shell') return base;
  if (!opts.program) throw new AppError('invalid-params', `Which program of ${opts.attr} should run? The package does not name its main program.`);
  return [...base, '--run', opts.program];
}

/** Start a process that outlives this call (a terminal window, a graphical program); resolves once it started. */
function launch(argv: string[], env: Env, logFile: string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    let fd: number | null = null;
    if (logFile) {
      mkdirSync(path.dirname(logFile), { recursive: true });
      fd = openSync(logFile, 'w');
    }
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: fd === null ? 'ignore' : ['ignore', fd, fd], env });
    if (fd !== null) closeSync(fd);
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

export async function tryPackage(ctx: AppContext, params: { attr: string; mode: 'shell' | 'run'; program?: string }, env: Env = process.env): Promise<TryPackageResult> {
  // checked here too: the contract checked them, but nothing reaches a command line unchecked
  const attr = packageAttrSchema.parse(params.attr);
  const program = params.program === undefined ? undefined : programNameSchema.parse(params.program);
  const flake = (await flakeFolder(ctx.host)) !== null;
  const argv = tryCommand(ctx, { attr, mode: params.mode, program, flake });
  const command = [path.basename(argv[0]!), ...argv.slice(1)].map(shellQuote).join(' ');

  if (params.mode === 'run') {
    const logFile = path.join(ctx.host.stateDir, 'try', `${attr}.log`);
    try {
      await launch(argv, env, logFile);
    } catch (err) {
      return { launched: false, terminal: null, argv, command, logFile: null, message: `${path.basename(argv[0]!)} could not be started (${(err as Error).message}). Run this in a terminal instead:` };
    }
    const what = program ?? attr;
    return {
      launched: true,
      terminal: null,
      argv,
      command,
      logFile,
      message: `Starting ${what} without installing it. The first start downloads or builds it, which can take a while; its output goes to ${logFile}.`,
    };
  }

  const terminal = await findTerminal(argv, env);
  const byHand = 'Open a terminal yourself and run:';
  if (!terminal) {
    return {
      launched: false,
      terminal: null,
      argv,
      command,
      logFile: null,
      message: `No terminal program was found (looked for xdg-terminal-exec, $TERMINAL, x-terminal-emulator, the desktop's default terminal, and ${KNOWN_TERMINALS.join(', ')}). ${byHand}`,
    };
  }
  try {
    await launch(terminal.argv, env, null);
  } catch (err) {
    return { launched: false, terminal: terminal.name, argv: terminal.argv, command, logFile: null, message: `${terminal.name} could not be started (${(err as Error).message}). ${byHand}` };
  }
  return {
    launched: true,
    terminal: terminal.name,
    argv: terminal.argv,
    command,
    logFile: null,
    message: `Opened ${terminal.name} with a shell that has ${attr}. Nothing is installed: when you close it (or type exit), the package is gone from your PATH again.`,
  };
}
