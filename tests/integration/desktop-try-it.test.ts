import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostOverrides } from '../../electron/host';
import { tempDir, testApp } from '../helpers/app';

/** tests/fixtures/make-host.mjs, typed for what this test uses (the fixture ships no declarations) */
const { makeHost } = (await import(new URL('../fixtures/make-host.mjs', import.meta.url).href)) as {
  makeHost(dir: string, opts: { generations?: number }): Promise<{ dir: string; hostFile: string; host: HostOverrides & Record<string, string> }>;
};
const standin = new URL('../fixtures/bin/terminal', import.meta.url).pathname;

/**
 * "Try it" from a search result, for real: the app finds the person's terminal (here the stand-in,
 * tests/fixtures/bin/terminal, under a terminal's name), which runs the command it was given with a
 * pseudo-terminal and what a person types; the command is the real `nix-shell -p hello` against the
 * fixture's toy nixpkgs (NIX_PATH=nixpkgs=<its nixos channel>), so the package's program really runs.
 */

let dir: string;
let app: Awaited<ReturnType<typeof testApp>>;
const saved = { PATH: process.env.PATH, NIX_PATH: process.env.NIX_PATH, TERMINAL: process.env.TERMINAL };
const nixBin = path.dirname(realpathSync(process.env.PATH!.split(':').map((d) => path.join(d, 'nix-shell')).find(existsSync)!));

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** a folder with the stand-in under the given terminal name, and what the "person" types */
function terminalAs(name: string, typed: string) {
  const bin = path.join(dir, `term-${name}`);
  mkdirSync(bin, { recursive: true });
  symlinkSync(standin, path.join(bin, name));
  const files = { log: path.join(bin, 'argv.log'), input: path.join(bin, 'typed'), screen: path.join(bin, 'screen') };
  writeFileSync(files.input, typed);
  process.env.TERMINAL_STANDIN_LOG = files.log;
  process.env.TERMINAL_STANDIN_INPUT = files.input;
  process.env.TERMINAL_STANDIN_SCREEN = files.screen;
  return { bin, ...files };
}

const strip = (screen: string) => screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

beforeAll(async () => {
  const made = await makeHost(path.join(tempDir('nc-try-'), 'host'), { generations: 1 });
  dir = made.dir;
  process.env.NIX_PATH = `nixpkgs=${realpathSync(path.join(made.host.rootChannelsDir!, 'nixos'))}`;
  delete process.env.TERMINAL;
  app = await testApp(made.host);
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const k of ['TERMINAL_STANDIN_LOG', 'TERMINAL_STANDIN_INPUT', 'TERMINAL_STANDIN_SCREEN']) delete process.env[k];
  await app?.dispose();
});

describe('search.tryPackage', () => {
  it('opens xdg-terminal-exec with a shell that has the package, and the package really runs there', async () => {
    const term = terminalAs('xdg-terminal-exec', 'hello\nexit\n');
    process.env.PATH = `${term.bin}:${saved.PATH}`;
    const result = await app.call('search.tryPackage', { attr: 'hello', mode: 'shell' });
    expect(result).toMatchObject({ launched: true, terminal: 'xdg-terminal-exec', command: 'nix-shell -p hello' });
    const argv = JSON.parse(await until('the terminal to start', () => existsSync(term.log) && readFileSync(term.log, 'utf8').trim())) as string[];
    expect(argv).toEqual(['xdg-terminal-exec', expect.stringMatching(/(^|\/)nix-shell$/), '-p', 'hello']);
    const screen = await until('the shell to end', () => existsSync(term.screen) && /\[exit \d+\]/.test(readFileSync(term.screen, 'utf8')) && strip(readFileSync(term.screen, 'utf8')));
    // the toy hello prints its name and version: it came from the package, not from the machine
    expect(screen).toMatch(/^hello 2\.12\.1$/m);
    expect(screen).toMatch(/\[exit 0\]/);
  });

  it("uses $TERMINAL in that terminal's own way (gnome-terminal: --)", async () => {
    const term = terminalAs('gnome-terminal', 'rg\nexit\n');
    process.env.PATH = `${term.bin}:${saved.PATH}`;
    process.env.TERMINAL = 'gnome-terminal';
    try {
      const result = await app.call('search.tryPackage', { attr: 'ripgrep', mode: 'shell' });
      expect(result).toMatchObject({ launched: true, terminal: 'gnome-terminal', command: 'nix-shell -p ripgrep' });
      const argv = JSON.parse(await until('the terminal to start', () => existsSync(term.log) && readFileSync(term.log, 'utf8').trim())) as string[];
      expect(argv).toEqual(['gnome-terminal', '--', expect.stringMatching(/nix-shell$/), '-p', 'ripgrep']);
      const screen = await until('the shell to end', () => existsSync(term.screen) && /\[exit \d+\]/.test(readFileSync(term.screen, 'utf8')) && strip(readFileSync(term.screen, 'utf8')));
      expect(screen).toMatch(/^rg 14\.1\.1$/m);
    } finally {
      delete process.env.TERMINAL;
    }
  });

  it('starts a program directly (Run it): nix-shell -p <attr> --run <program>, its output in a log', async () => {
    process.env.PATH = saved.PATH;
    const result = await app.call('search.tryPackage', { attr: 'hello', mode: 'run', program: 'hello' });
    expect(result).toMatchObject({ launched: true, terminal: null, command: 'nix-shell -p hello --run hello' });
    expect(result.argv.slice(1)).toEqual(['-p', 'hello', '--run', 'hello']);
    const output = await until('the program to run', () => existsSync(result.logFile!) && /^hello 2\.12\.1$/m.test(readFileSync(result.logFile!, 'utf8')));
    expect(output).toBe(true);
  });

  it('without any terminal, says so and gives the command to run by hand', async () => {
    // only Nix on PATH: no xdg-terminal-exec, x-terminal-emulator, gsettings or known terminal
    process.env.PATH = nixBin;
    const result = await app.call('search.tryPackage', { attr: 'python3Packages.requests', mode: 'shell' });
    expect(result.launched).toBe(false);
    expect(result.message).toMatch(/^No terminal program was found .*kgx, gnome-terminal, konsole.* Open a terminal yourself and run:$/);
    expect(result.command).toBe('nix-shell -p python3Packages.requests');
  });

  it('refuses what is not an attribute name or a program name, before anything runs', async () => {
    process.env.PATH = saved.PATH;
    for (const attr of ['hello; rm -rf ~', 'hello world', '-p', '../x', 'a..b', '']) {
      const err = await app.callError('search.tryPackage', { attr, mode: 'shell' });
      expect(err.code).toBe('invalid-params');
    }
    const err = await app.callError('search.tryPackage', { attr: 'hello', mode: 'run', program: 'hello; reboot' });
    expect(err.code).toBe('invalid-params');
  });
});
