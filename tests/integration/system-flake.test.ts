import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlakeCheckResult, FlakeUpdateResult, RpcError } from '../../shared/contract';
import { nixEnvFor, nixVariants } from '../support/nix.mjs';
import { tempDir, testApp } from '../helpers/app';

/**
 * Flake inputs through the real `nix flake update` (Nix 2.26 and 2.8) against local inputs: a git repository
 * made here with real commits (git+file://) and a plain folder (path:). The configuration folder's
 * flake.lock is made by the real `nix flake lock`; the check must leave it alone, the update must
 * write the new one through the root helper with a backup. The app runs from a working directory inside
 * another flake (as the app's own folder is one): Nix >= 2.19 reads a positional argument of
 * `nix flake update` as an input name and would update that flake instead.
 */

let dir: string;
let cfg: string;
let repo: string;
let plain: string;
let app: Awaited<ReturnType<typeof testApp>>;
let nixEnv: NodeJS.ProcessEnv;
let savedCwd: string;
let decoy: string;
let savedHost: string | undefined;
const FLAKES = ['--extra-experimental-features', 'nix-command flakes'];

const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=test@example.org', '-c', 'user.name=Test', ...args], { encoding: 'utf8' }).trim();
function commit(file: string, content: string, message: string): string {
  writeFileSync(path.join(repo, file), content);
  git('add', file);
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

function flakeNix(inputs: Record<string, string>): string {
  const lines = Object.entries(inputs).map(([name, url]) => `  inputs.${name} = { url = "${url}"; flake = false; };`);
  return `{\n  description = "test system";\n${lines.join('\n')}\n  outputs = { self, ... }: { };\n}\n`;
}

async function runJob<T>(method: 'system.flake.check' | 'system.flake.update', params: Record<string, unknown>): Promise<{ status: string; result: T; error?: RpcError; log: string }> {
  const { jobId } = await app.call(method, params as never);
  const job = await app.ctx.jobs.wait(jobId);
  const log = app.ctx.jobs.log(jobId, 0, 500).lines.map((l) => l.text).join('\n');
  return { status: job.status, result: job.result as T, error: job.error, log };
}

async function check(): Promise<FlakeCheckResult> {
  const job = await runJob<FlakeCheckResult>('system.flake.check', {});
  expect(job.status, `${JSON.stringify(job.error)}\n${job.log}`).toBe('done');
  return job.result;
}

let firstRev: string;

describe.each(nixVariants())('system.flake.* with $name', ({ bin, commands }) => {
  beforeAll(async () => {
    nixEnv = nixEnvFor(bin);
    dir = tempDir('nc-flake-');
    cfg = path.join(dir, 'etc-nixos');
    repo = path.join(dir, 'inputs/modules');
    plain = path.join(dir, 'inputs/plain');
    mkdirSync(cfg, { recursive: true });
    mkdirSync(repo, { recursive: true });
    mkdirSync(plain, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    commit('default.nix', '{ }\n', 'first');
    firstRev = commit('module.nix', '{ ... }: { }\n', 'second');
    writeFileSync(path.join(plain, 'data.txt'), 'one\n');
    writeFileSync(path.join(cfg, 'flake.nix'), flakeNix({ modules: `git+file://${repo}`, plain: `path:${plain}` }));
    execFileSync('nix', [...FLAKES, 'flake', 'lock', cfg], { env: nixEnv, stdio: 'pipe' });
    // the app's working directory: a flake of its own whose lock must stay untouched
    decoy = path.join(dir, 'decoy');
    mkdirSync(decoy);
    writeFileSync(path.join(decoy, 'flake.nix'), flakeNix({ modules: `git+file://${repo}` }));
    execFileSync('nix', [...FLAKES, 'flake', 'lock', decoy], { env: nixEnv, stdio: 'pipe' });
    savedCwd = process.cwd();
    process.chdir(decoy);
    // the root helper reads the host file itself (it trusts no paths from the app)
    const hostFile = path.join(dir, 'host.json');
    writeFileSync(hostFile, JSON.stringify({ nixosConfigDir: cfg, commands }));
    savedHost = process.env.NIXOS_COMPANION_HOST;
    process.env.NIXOS_COMPANION_HOST = hostFile;
    app = await testApp({ nixosConfigDir: cfg, commands });
  });

  afterAll(() => {
    process.chdir(savedCwd);
    if (savedHost === undefined) delete process.env.NIXOS_COMPANION_HOST;
    else process.env.NIXOS_COMPANION_HOST = savedHost;
  });

  it('lists what flake.lock pins, with revisions and dates', async () => {
    const res = await app.call('system.flake.inputs', {});
    expect(res.isFlake).toBe(true);
    expect(res.lockExists).toBe(true);
    const modules = res.inputs.find((i) => i.input === 'modules')!;
    expect(modules.before?.rev).toBe(firstRev);
    expect(modules.original).toBe(`git+file://${repo}`);
    expect(modules.before?.lastModified).toBe(new Date(Number(git('log', '-1', '--format=%ct')) * 1000).toISOString());
    expect(res.inputs.find((i) => i.input === 'plain')?.before?.url).toBe(`path:${plain}`);
  });

  it('a check finds the new commit without touching flake.lock; update writes it with a backup', async () => {
    const lockBefore = readFileSync(path.join(cfg, 'flake.lock'), 'utf8');
    const newRev = commit('module.nix', '{ ... }: { boot.loader.timeout = 3; }\n', 'third');
    const decoyLock = readFileSync(path.join(decoy, 'flake.lock'), 'utf8');
    const result = await check();
    expect(readFileSync(path.join(cfg, 'flake.lock'), 'utf8')).toBe(lockBefore);
    expect(readFileSync(path.join(decoy, 'flake.lock'), 'utf8'), 'the flake in the working directory is not the one checked').toBe(decoyLock);
    const modules = result.inputs.find((i) => i.input === 'modules')!;
    expect(modules.kind).toBe('updated');
    expect(modules.before?.rev).toBe(firstRev);
    expect(modules.after?.rev).toBe(newRev);
    expect(modules.after?.url).toContain(`rev=${newRev}`);
    expect(result.inputs.find((i) => i.input === 'plain')?.kind).toBe('unchanged');
    expect(result.changed).toBe(1);

    const update = await runJob<FlakeUpdateResult>('system.flake.update', { checkId: result.checkId });
    expect(update.status, JSON.stringify(update.error)).toBe('done');
    expect(update.result.written).toBe(true);
    expect(update.result.backup && existsSync(update.result.backup)).toBeTruthy();
    expect(readFileSync(update.result.backup!, 'utf8')).toBe(lockBefore);
    const written = JSON.parse(readFileSync(path.join(cfg, 'flake.lock'), 'utf8'));
    expect(written.nodes.modules.locked.rev).toBe(newRev);
    // what Nix itself now reads from the configuration folder
    const metadata = JSON.parse(execFileSync('nix', [...FLAKES, 'flake', 'metadata', '--json', '--no-update-lock-file', cfg], { env: nixEnv, encoding: 'utf8' }));
    expect(metadata.locks.nodes.modules.locked.rev).toBe(newRev);
    // the check is spent; an update of the same check is refused
    const again = await runJob('system.flake.update', { checkId: result.checkId });
    expect(again.status).toBe('failed');
    expect(again.error?.code).toBe('not-found');
  });

  it('shows inputs added and removed in flake.nix, and a changed folder input', async () => {
    const other = path.join(dir, 'inputs/other');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'x.nix'), '{ }\n');
    writeFileSync(path.join(plain, 'data.txt'), 'two\n');
    writeFileSync(path.join(cfg, 'flake.nix'), flakeNix({ plain: `path:${plain}`, other: `path:${other}` }));
    const result = await check();
    const kinds = Object.fromEntries(result.inputs.map((i) => [i.input, i.kind]));
    expect(kinds).toEqual({ modules: 'removed', other: 'added', plain: 'updated' });
    const plainChange = result.inputs.find((i) => i.input === 'plain')!;
    expect(plainChange.before?.narHash).not.toBe(plainChange.after?.narHash);
    expect(result.inputs.find((i) => i.input === 'other')?.before).toBeNull();
  });

  it('refuses to write when flake.lock changed after the check', async () => {
    const result = await check();
    const lockPath = path.join(cfg, 'flake.lock');
    const edited = readFileSync(lockPath, 'utf8').replace('"version": 7', '"version":   7');
    writeFileSync(lockPath, edited);
    const update = await runJob('system.flake.update', { checkId: result.checkId });
    expect(update.status).toBe('failed');
    expect(update.error?.code).toBe('conflict');
    expect(readFileSync(lockPath, 'utf8')).toBe(edited);
  });

  it('a flake without a lock: every input is added, and update creates flake.lock', async () => {
    const lockPath = path.join(cfg, 'flake.lock');
    execFileSync('rm', ['-f', lockPath]);
    writeFileSync(path.join(cfg, 'flake.nix'), flakeNix({ modules: `git+file://${repo}` }));
    const inputs = await app.call('system.flake.inputs', {});
    expect(inputs).toMatchObject({ isFlake: true, lockExists: false, inputs: [] });
    const update = await runJob<FlakeUpdateResult>('system.flake.update', {});
    expect(update.status, JSON.stringify(update.error)).toBe('done');
    expect(update.result.lockExists).toBe(false);
    expect(update.result.warnings.join(' ')).toMatch(/no flake\.lock yet/);
    expect(update.result.inputs.map((i) => [i.input, i.kind])).toEqual([['modules', 'added']]);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).nodes.modules.locked.rev).toBe(git('rev-parse', 'HEAD'));
    expect(update.result.backup).toBeNull();
  });

  it('a syntax error in flake.nix names the user file and line, not the temp copy', async () => {
    const lockBefore = readFileSync(path.join(cfg, 'flake.lock'), 'utf8');
    writeFileSync(path.join(cfg, 'flake.nix'), '{\n  inputs.modules.url = "git+file:///x"\n  outputs = _: { };\n}\n');
    const job = await runJob('system.flake.check', {});
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('nix-error');
    expect(job.error?.message).toContain(`${cfg}/flake.nix (line 3)`);
    expect(job.error?.message).toMatch(/syntax error/);
    expect(readFileSync(path.join(cfg, 'flake.lock'), 'utf8')).toBe(lockBefore);
  });

  it('an unreachable input is a network error in plain words', async () => {
    // a port nothing listens on: the same curl error as being offline, without waiting for DNS
    writeFileSync(path.join(cfg, 'flake.nix'), flakeNix({ remote: 'http://127.0.0.1:9/nixpkgs.tar.gz' }));
    const job = await runJob('system.flake.check', {});
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('network');
    expect(job.error?.message).toMatch(/Could not reach 127\.0\.0\.1:9 .*nothing was changed/);
  });

  it('a configuration that is not a flake says so', async () => {
    const plainCfg = path.join(dir, 'channels-config');
    mkdirSync(plainCfg);
    writeFileSync(path.join(plainCfg, 'configuration.nix'), '{ ... }: { }\n');
    const other = await testApp({ nixosConfigDir: plainCfg, commands });
    expect(await other.call('system.flake.inputs', {})).toMatchObject({ isFlake: false, inputs: [] });
    const { jobId } = await other.call('system.flake.check', {});
    const job = await other.ctx.jobs.wait(jobId);
    expect(job.error?.code).toBe('not-found');
    expect(job.error?.message).toMatch(/not a flake/);
    expect(readdirSync(plainCfg)).toEqual(['configuration.nix']);
  });
});
