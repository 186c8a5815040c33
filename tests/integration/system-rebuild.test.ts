import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { testApp } from '../helpers/app';
import { makeWriteHost, type WriteHost } from './system-write-host';

let host: WriteHost;
let app: Awaited<ReturnType<typeof testApp>>;

async function waitFor<T>(fn: () => T | undefined | null | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  host = makeWriteHost();
  process.env.NIXOS_COMPANION_HOST = host.hostFile;
  app = await testApp(host.overrides);
  await app.call('system.settings.set', { previewBeforeSwitch: false });
});
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

describe('system.rebuild against real nix', () => {
  it('switch: builds with live progress, sets the profile to a new real generation and activates it', async () => {
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('three'));
    const events: { kind: string; progress?: { counters?: Record<string, number> }; phase?: string }[] = [];
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'job') events.push(e as never);
    });
    const { jobId } = await app.call('system.rebuild', { action: 'switch' });
    const done = await app.ctx.jobs.wait(jobId);
    off();
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('done');
    const result = done.result as { generation: number; storePath: string; activated: boolean; builds: { done: number } };
    expect(result.generation).toBe(3);
    expect(host.currentGeneration()).toBe(3);
    expect(realpathSync(host.profile)).toBe(result.storePath);
    expect(readFileSync(path.join(result.storePath, 'nixos-version'), 'utf8').trim()).toBe(`24.11.${host.label('three')}`);
    expect(host.activations().at(-1)).toBe(`switch ${result.storePath}`);
    expect(readlinkSync(host.currentSystem)).toBe(result.storePath);
    // live progress came from the internal-json stream: three real builds (package, sw, toplevel)
    const counted = events.filter((e) => e.kind === 'progress').map((e) => e.progress?.counters?.['builds.done'] ?? 0);
    expect(Math.max(...counted)).toBeGreaterThanOrEqual(3);
    expect(result.builds.done).toBeGreaterThanOrEqual(3);
    const phases = events.filter((e) => e.kind === 'phase').map((e) => e.phase);
    expect(phases).toContain('build');
    expect(phases).toContain('activate');
    // human log lines: nix's messages and the builders' output, prefixed by the package
    const log = app.ctx.jobs.log(jobId, 0, 10_000).lines.map((l) => l.text);
    const pkg = `hello-${host.label('three')}`;
    expect(log).toContain(`${pkg}> building ${pkg}`);
    expect(log.some((l) => l.startsWith('activating '))).toBe(true);
    // and the same log on disk
    const file = path.join(host.overrides.stateDir!, 'jobs', `${jobId}.log`);
    expect(readFileSync(file, 'utf8')).toContain(`${pkg}> building ${pkg}`);
  });

  it('build: builds without touching the profile or the running system', async () => {
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('built-only'));
    const before = { profile: readlinkSync(host.profile), running: readlinkSync(host.currentSystem), activations: host.activations().length };
    const { jobId } = await app.call('system.rebuild', { action: 'build' });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    const result = done.result as { storePath: string; activated: boolean; generation: number | null };
    expect(result.activated).toBe(false);
    expect(result.generation).toBeNull();
    expect(existsSync(path.join(result.storePath, 'bin/switch-to-configuration'))).toBe(true);
    expect(readlinkSync(host.profile)).toBe(before.profile);
    expect(readlinkSync(host.currentSystem)).toBe(before.running);
    expect(host.activations().length).toBe(before.activations);
  });

  it('a syntax error fails with the Nix error, its file, line and column, and leaves profile and config untouched', async () => {
    const broken = '{ config, pkgs, ... }:\n{\n  system.label = "broken";\n  boot.kernelVersion = "6.6.1"\n  environment.packages = [ ];\n}\n';
    const file = path.join(host.configDir, 'configuration.nix');
    writeFileSync(file, broken);
    const profileBefore = readlinkSync(host.profile);
    const { jobId } = await app.call('system.rebuild', { action: 'switch' });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('nix-error');
    // where Nix 2.8 itself puts it: the '=' that cannot follow the unterminated line above
    expect(done.error?.location).toEqual({ file, line: 5, column: 24 });
    expect(done.error?.message).toMatch(/syntax error, unexpected '='/);
    expect(done.error?.detail).toContain('5|   environment.packages = [ ];');
    expect(readlinkSync(host.profile)).toBe(profileBefore);
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });

  it('an option error names the option and points at the configuration file', async () => {
    const file = path.join(host.configDir, 'configuration.nix');
    writeFileSync(file, host.config('opt', '6.6.1', '  services.nonexistent = true;\n'));
    const { jobId } = await app.call('system.rebuild', { action: 'dry-build' });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/The option `services' does not exist/);
    expect(done.error?.location?.file).toBe(file);
    expect(done.error?.location?.line).toBe(6);
  });

  it('preview: pauses after the build with the diff, and stopping there changes nothing', async () => {
    await app.call('system.settings.set', { previewBeforeSwitch: true });
    onTestFinished(() => app.call('system.settings.set', { previewBeforeSwitch: false }).then(() => {}));
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('previewed', '6.7.0'));
    const profileBefore = readlinkSync(host.profile);
    const { jobId } = await app.call('system.rebuild', { action: 'switch' });
    const preview = await waitFor(() => {
      const p = app.ctx.jobs.get(jobId);
      if (p.status !== 'running') throw new Error(`ended early: ${JSON.stringify(p.error)}`);
      return p.phase === 'Waiting for you to review the changes' ? true : null;
    });
    expect(preview).toBe(true);
    const waiting = await app.call('system.rebuild.preview', { jobId });
    onTestFinished(async () => {
      if (app.ctx.jobs.get(jobId).status === 'running') await app.call('system.rebuild.confirm', { jobId, proceed: false }).catch(() => {});
    });
    expect(waiting.waiting).toBe(true);
    expect(waiting.preview?.kernel).toEqual({ running: '6.6.1', target: '6.7.0', changes: true });
    const linux = waiting.preview!.changes.find((c) => c.name === 'linux');
    expect(linux).toEqual({ name: 'linux', before: ['6.6.1'], after: ['6.7.0'] });
    // (diff-closures reads the fixture's letter-only suffix as an output name, so the names end at "previewed")
    expect(waiting.preview!.changes.map((c) => c.name)).toContain('nixos-system-fixture-previewed');
    expect(app.ctx.jobs.get(jobId).cancellable).toBe(true);
    await app.call('system.rebuild.confirm', { jobId, proceed: false });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    expect((done.result as { stoppedAtPreview: boolean }).stoppedAtPreview).toBe(true);
    expect(readlinkSync(host.profile)).toBe(profileBefore);
  });

  it('one system job at a time, and no cancel during activation', async () => {
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('slow'));
    host.slowActivation(3);
    try {
      const { jobId } = await app.call('system.rebuild', { action: 'test' });
      const second = await app.callError('system.rebuild', { action: 'build' });
      expect(second.code).toBe('busy');
      expect(second.message).toMatch(/"Rebuild \(test\)" is still running/);
      await waitFor(() => app.ctx.jobs.get(jobId).phase === 'Activating the new configuration' || app.ctx.jobs.get(jobId).status !== 'running');
      const refused = await app.callError('jobs.cancel', { jobId });
      expect(refused.code).toBe('not-cancellable');
      expect(refused.message).toMatch(/cannot be stopped now/);
      const done = await app.ctx.jobs.wait(jobId);
      expect(done.status).toBe('done');
      const result = done.result as { storePath: string; generation: number | null };
      // test: activated, the boot default is untouched
      expect(result.generation).toBeNull();
      expect(readlinkSync(host.currentSystem)).toBe(result.storePath);
      expect(host.activations().at(-1)).toBe(`test ${result.storePath}`);
    } finally {
      host.slowActivation(0);
    }
  });

  it('cancel during the build stops it and changes nothing', async () => {
    writeFileSync(
      path.join(host.configDir, 'configuration.nix'),
      host.config('cancelled').replace(`environment.packages = [ "hello-${host.label('cancelled')}" ];`, 'environment.packages = [ "slow-pkg" ];'),
    );
    // the fixture's package builder sleeps while this marker exists
    const marker = '/tmp/nc-slow-build-slow-pkg';
    writeFileSync(marker, '');
    try {
      const profileBefore = readlinkSync(host.profile);
      const { jobId } = await app.call('system.rebuild', { action: 'switch' });
      await waitFor(() => app.ctx.jobs.log(jobId, 0, 1000).lines.some((l) => l.text.includes('slow-pkg> building slow-pkg')));
      expect(await app.call('jobs.cancel', { jobId })).toEqual({ cancelled: true });
      const done = await app.ctx.jobs.wait(jobId);
      expect(done.status).toBe('cancelled');
      expect(readlinkSync(host.profile)).toBe(profileBefore);
    } finally {
      rmSync(marker, { force: true });
    }
  });

  it('validates its params strictly', async () => {
    expect((await app.callError('system.rebuild', { action: 'switch', extra: 1 })).code).toBe('invalid-params');
    expect((await app.callError('system.rebuild', { action: 'rm -rf' })).code).toBe('invalid-params');
    expect((await app.callError('system.rebuild', { action: 'build', flake: { attribute: '--impure' } })).code).toBe('invalid-params');
  });
});

describe('reattach after a restart', () => {
  it('an activation that outlives the app is picked up by the next start, with its log, until it ends', async () => {
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('reattach'));
    const built = await app.ctx.privileged.run<{ buildId: string; storePath: string }>('rebuild', { action: 'build', upgrade: false, showTrace: false, flakeAttribute: null });
    host.slowActivation(4);
    // the app's helper starts the activation, then the app goes away (the helper is killed with it)
    const helper = spawn(process.execPath, [path.join(process.cwd(), 'dist/helper/helper.mjs'), 'activate', '-'], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
    helper.stdin!.write(`${Buffer.from(JSON.stringify({ buildId: built.buildId, action: 'switch', trial: false })).toString('base64url')}\n`);
    const stateFile = path.join(host.overrides.activationDir!, 'activation.json');
    const startedAt = Date.now();
    for (;;) {
      const state = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { storePath: string; endedAt?: string }) : null;
      if (state && state.storePath === built.storePath && !state.endedAt) break;
      if (Date.now() - startedAt > 20_000) throw new Error('the activation did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    helper.kill('SIGKILL');
    await new Promise((r) => helper.once('exit', r));
    try {
      const restarted = await testApp(host.overrides);
      const found = await waitFor(() => restarted.ctx.jobs.running('system')[0], 5000);
      expect(found.title).toMatch(/picked up after a restart/);
      expect(found.cancellable).toBe(false);
      expect((await restarted.callError('jobs.cancel', { jobId: found.id })).code).toBe('not-cancellable');
      const done = await restarted.ctx.jobs.wait(found.id);
      expect(done.status).toBe('done');
      expect(done.result).toMatchObject({ reattached: true, storePath: built.storePath, action: 'switch' });
      const log = restarted.ctx.jobs.log(found.id, 0, 1000).lines.map((l) => l.text);
      expect(log).toContain(`activating ${built.storePath} switch`);
      expect(log).toContain('done switch');
      // the activation itself completed although its helper was killed
      expect(host.activations().at(-1)).toBe(`switch ${built.storePath}`);
      expect(realpathSync(host.profile)).toBe(built.storePath);
      await restarted.dispose();
    } finally {
      host.slowActivation(0);
    }
  });
});
