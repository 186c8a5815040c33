import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { testApp } from '../helpers/app';
import { addToConfig, makeSystemHost, type SystemHost } from '../fixtures/system-host';

let host: SystemHost;
let original: string;
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

/** The fixture's configuration.nix plus `text`: a new toplevel each time. */
const configWith = (text: string) => addToConfig(original, text);

beforeAll(async () => {
  host = await makeSystemHost({ generations: 3 });
  original = readFileSync(host.configFile, 'utf8');
  process.env.NIXOS_COMPANION_HOST = host.hostFile;
  app = await testApp(host.host);
  await app.call('system.settings.set', { previewBeforeSwitch: false });
});
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

describe('system.rebuild against real nix', () => {
  it('switch: builds with live progress, sets the profile to a new real generation and activates it', async () => {
    writeFileSync(host.configFile, configWith('  users.motd = "four";').replace('    fastfetch\n', '    fastfetch\n    tree\n'));
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
    expect(result.generation).toBe(4);
    expect(host.currentGeneration()).toBe(4);
    expect(realpathSync(host.host.systemProfile)).toBe(result.storePath);
    expect(readFileSync(path.join(result.storePath, 'activate'), 'utf8')).toContain('# motd: four');
    expect(readlinkSync(path.join(result.storePath, 'sw/bin/tree'))).toMatch(/-tree-[\d.]+\/bin\/tree$/);
    expect(host.activations().at(-1)).toBe(`switch ${result.storePath}`);
    expect(readlinkSync(host.host.currentSystem)).toBe(result.storePath);
    // live progress came from the internal-json stream: real builds, at least the configuration check and
    // the toplevel (system-path and the links too, unless an earlier run left them in the store)
    const counted = events.filter((e) => e.kind === 'progress').map((e) => e.progress?.counters?.['builds.done'] ?? 0);
    expect(Math.max(...counted)).toBeGreaterThanOrEqual(2);
    expect(result.builds.done).toBeGreaterThanOrEqual(Math.max(...counted));
    const phases = events.filter((e) => e.kind === 'phase').map((e) => e.phase);
    expect(phases).toContain('build');
    expect(phases).toContain('activate');
    // human log lines: nix's messages and the builders' output, prefixed by the package
    const log = app.ctx.jobs.log(jobId, 0, 10_000).lines.map((l) => l.text);
    const check = 'nixos-configuration-check> checking the NixOS configuration of nixbox';
    expect(log).toContain(check);
    expect(log).toContain('nixos-configuration-check> checkPhase');
    expect(log).toContain('activating the configuration...');
    // and the same log on disk
    const file = path.join(host.host.stateDir, 'jobs', `${jobId}.log`);
    expect(readFileSync(file, 'utf8')).toContain(check);
  });

  it('build: builds without touching the profile or the running system', async () => {
    writeFileSync(host.configFile, configWith('  users.motd = "built only";'));
    const before = { profile: readlinkSync(host.host.systemProfile), running: readlinkSync(host.host.currentSystem), activations: host.activations().length };
    const { jobId } = await app.call('system.rebuild', { action: 'build' });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    const result = done.result as { storePath: string; activated: boolean; generation: number | null };
    expect(result.activated).toBe(false);
    expect(result.generation).toBeNull();
    expect(existsSync(path.join(result.storePath, 'bin/switch-to-configuration'))).toBe(true);
    expect(readlinkSync(host.host.systemProfile)).toBe(before.profile);
    expect(readlinkSync(host.host.currentSystem)).toBe(before.running);
    expect(host.activations().length).toBe(before.activations);
  });

  it('a syntax error fails with the Nix error, its file, line and column, and leaves profile and config untouched', async () => {
    const broken = '{ config, pkgs, ... }:\n{\n  networking.hostName = "broken";\n  time.timeZone = "UTC"\n  environment.systemPackages = [ ];\n}\n';
    const file = host.configFile;
    writeFileSync(file, broken);
    const profileBefore = readlinkSync(host.host.systemProfile);
    const runningBefore = readlinkSync(host.host.currentSystem);
    const { jobId } = await app.call('system.rebuild', { action: 'switch' });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('nix-error');
    // Nix stops at the '=' of line 5; the `;` is missing at the end of line 4, and that is where it points
    expect(done.error?.location).toEqual({ file, line: 4, column: 24 });
    expect(done.error?.message).toMatch(/a `;` is missing at the end of a line \(configuration\.nix, line 4\)/);
    // Nix's own words stay in the details
    expect(done.error?.detail).toMatch(/syntax error, unexpected '='/);
    expect(done.error?.detail).toContain('5|   environment.systemPackages = [ ];');
    expect(readlinkSync(host.host.systemProfile)).toBe(profileBefore);
    expect(readlinkSync(host.host.currentSystem)).toBe(runningBefore);
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });

  it('an option error names the option and points at the configuration file', async () => {
    const file = host.configFile;
    const text = configWith('  services.nonexistent.enable = true;');
    writeFileSync(file, text);
    const { jobId } = await app.call('system.rebuild', { action: 'dry-build' });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/The option `services.nonexistent' does not exist/);
    expect(done.error?.location?.file).toBe(file);
    expect(done.error?.location?.line).toBe(text.split('\n').findIndex((l) => l.includes('services.nonexistent')) + 1);
  });

  it('preview: pauses after the build with the diff, and stopping there changes nothing', async () => {
    await app.call('system.settings.set', { previewBeforeSwitch: true });
    onTestFinished(() => app.call('system.settings.set', { previewBeforeSwitch: false }).then(() => {}));
    writeFileSync(host.configFile, configWith('  boot.kernelPackages = pkgs.linuxPackages_latest;'));
    const profileBefore = readlinkSync(host.host.systemProfile);
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
    expect(waiting.preview?.kernel).toEqual({ running: '6.6.64', target: '6.12.4', changes: true });
    const linux = waiting.preview!.changes.find((c) => c.name === 'linux');
    expect(linux).toEqual({ name: 'linux', before: ['6.6.64'], after: ['6.12.4'] });
    expect(app.ctx.jobs.get(jobId).cancellable).toBe(true);
    await app.call('system.rebuild.confirm', { jobId, proceed: false });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    expect((done.result as { stoppedAtPreview: boolean }).stoppedAtPreview).toBe(true);
    expect(readlinkSync(host.host.systemProfile)).toBe(profileBefore);
  });

  it('one system job at a time, and no cancel during activation', async () => {
    writeFileSync(host.configFile, configWith('  users.motd = "slow";'));
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
      expect(readlinkSync(host.host.currentSystem)).toBe(result.storePath);
      expect(host.activations().at(-1)).toBe(`test ${result.storePath}`);
      expect(app.ctx.jobs.log(jobId, 0, 10_000).lines.map((l) => l.text)).toContain('starting the following units: fixture-slow-3.service');
    } finally {
      host.slowActivation(0);
    }
  });

  it('cancel during the build stops it and changes nothing', async () => {
    writeFileSync(host.configFile, configWith('  users.motd = "cancelled";'));
    // the fixture's configuration check sleeps this long, logging each second (the helper passes the environment on)
    process.env.FIXTURE_BUILD_SLEEP = '30';
    try {
      const profileBefore = readlinkSync(host.host.systemProfile);
      const { jobId } = await app.call('system.rebuild', { action: 'switch' });
      await waitFor(() => app.ctx.jobs.log(jobId, 0, 1000).lines.some((l) => l.text.includes('nixos-configuration-check>   still checking (2/30 s)')));
      expect(await app.call('jobs.cancel', { jobId })).toEqual({ cancelled: true });
      const done = await app.ctx.jobs.wait(jobId);
      expect(done.status).toBe('cancelled');
      expect(readlinkSync(host.host.systemProfile)).toBe(profileBefore);
    } finally {
      delete process.env.FIXTURE_BUILD_SLEEP;
    }
  });

  it('validates its params strictly', async () => {
    expect((await app.callError('system.rebuild', { action: 'switch', extra: 1 })).code).toBe('invalid-params');
    expect((await app.callError('system.rebuild', { action: 'rm -rf' })).code).toBe('invalid-params');
    expect((await app.callError('system.rebuild', { action: 'build', flake: { attribute: '--impure' } })).code).toBe('invalid-params');
  });
});

/** Runs `fn` with an app (and its root helper) on the same fixture host with some host keys changed. */
async function withChangedHost(changes: Parameters<SystemHost['withHost']>[0], name: string, fn: (other: Awaited<ReturnType<typeof testApp>>) => Promise<void>) {
  const hostFile = host.withHost(changes, name);
  process.env.NIXOS_COMPANION_HOST = hostFile;
  const other = await testApp({ ...host.host, ...changes, commands: { ...host.host.commands, ...changes.commands } });
  try {
    await other.call('system.settings.set', { previewBeforeSwitch: false });
    await fn(other);
  } finally {
    await other.dispose();
    process.env.NIXOS_COMPANION_HOST = host.hostFile;
  }
}

const unitFile = () => path.join(host.dir, 'run/systemd/transient/nixos-rebuild-switch-to-configuration.service');
const activationState = () => JSON.parse(readFileSync(path.join(host.host.activationDir, 'activation.json'), 'utf8')) as { unit: string | null; storePath: string; exitCode?: number };

describe('activation through systemd-run (tests/fixtures/bin/systemd-run stands in: no systemd runs here)', () => {
  it('runs switch-to-configuration in the transient unit nixos-rebuild uses, with its flags', async () => {
    await withChangedHost({ useSystemdRun: true }, 'systemd', async (other) => {
      writeFileSync(host.configFile, configWith('  users.motd = "in a unit";'));
      host.slowActivation(2);
      try {
        const { jobId } = await other.call('system.rebuild', { action: 'switch' });
        // (first the app checks, as nixos-rebuild does, that `systemd-run <same flags> true` works: that unit runs /usr/bin/true)
        const unit = () => {
          try {
            return readFileSync(unitFile(), 'utf8');
          } catch {
            return ''; // not there (yet, or any more)
          }
        };
        const seen = await waitFor(() => (unit().includes('switch-to-configuration') ? unit() : null) || (other.ctx.jobs.get(jobId).status !== 'running' && 'ended'));
        // while it runs, systemd knows the unit: it runs the new system's switch-to-configuration
        expect(seen).toMatch(/^ExecStart=\/nix\/store\/[a-z0-9]{32}-nixos-system-nixbox-[^/]+\/bin\/switch-to-configuration switch$/m);
        const done = await other.ctx.jobs.wait(jobId);
        expect(done.error).toBeUndefined();
        const result = done.result as { storePath: string; generation: number };
        expect(host.activations().at(-1)).toBe(`switch ${result.storePath}`);
        expect(readlinkSync(host.host.currentSystem)).toBe(result.storePath);
        expect(activationState()).toMatchObject({ unit: 'nixos-rebuild-switch-to-configuration', storePath: result.storePath, exitCode: 0 });
        // --collect: the unit is gone once it ended
        expect(existsSync(unitFile())).toBe(false);
        const log = other.ctx.jobs.log(jobId, 0, 10_000).lines.map((l) => l.text);
        expect(log).toContain(`Activating ${result.storePath} (switch) in the systemd unit nixos-rebuild-switch-to-configuration`);
        // the unit's output comes back through --pipe
        expect(log).toContain('activating the configuration...');
        expect(log).toContain('starting the following units: fixture-slow-2.service');
      } finally {
        host.slowActivation(0);
      }
    });
  });

  it('falls back to a detached process, saying why, when systemd-run cannot reach systemd', async () => {
    const down = path.join(host.dir, '.fixture/systemd-down');
    writeFileSync(down, '');
    try {
      await withChangedHost({ useSystemdRun: true }, 'systemd-down', async (other) => {
        writeFileSync(host.configFile, configWith('  users.motd = "no systemd";'));
        const done = await other.ctx.jobs.wait((await other.call('system.rebuild', { action: 'test' })).jobId);
        expect(done.error).toBeUndefined();
        const result = done.result as { storePath: string };
        const log = other.ctx.jobs.log(done.id, 0, 10_000).lines.map((l) => l.text);
        expect(log).toContain('systemd-run does not work here (Failed to connect to system scope bus via local transport: No such file or directory), so the activation runs as a detached process instead.');
        expect(log).toContain(`Activating ${result.storePath} (test) as a detached process`);
        expect(host.activations().at(-1)).toBe(`test ${result.storePath}`);
        expect(activationState()).toMatchObject({ unit: null, exitCode: 0 });
      });
    } finally {
      rmSync(down, { force: true });
    }
  });

  it('refuses, rather than falling back, while the unit is taken by an activation started outside the app', async () => {
    // what a `nixos-rebuild switch` run in a terminal leaves while it activates: the unit exists
    mkdirSync(path.dirname(unitFile()), { recursive: true });
    writeFileSync(unitFile(), '[Service]\nExecStart=/nix/store/other-system/bin/switch-to-configuration switch\n');
    try {
      await withChangedHost({ useSystemdRun: true }, 'systemd-taken', async (other) => {
        writeFileSync(host.configFile, configWith('  users.motd = "unit taken";'));
        const before = host.activations().length;
        const currentBefore = readlinkSync(host.host.currentSystem);
        const done = await other.ctx.jobs.wait((await other.call('system.rebuild', { action: 'test' })).jobId);
        expect(done.status).toBe('failed');
        expect(done.error).toMatchObject({ code: 'busy' });
        expect(done.error!.message).toMatch(/Another activation .* is still running/);
        expect(host.activations().length).toBe(before);
        expect(readlinkSync(host.host.currentSystem)).toBe(currentBefore);
      });
    } finally {
      rmSync(unitFile(), { force: true });
    }
  });

  it('falls back to a detached process when there is no systemd-run at all', async () => {
    const missing = path.join(host.dir, 'bin/no-such-systemd-run');
    await withChangedHost({ useSystemdRun: true, commands: { 'systemd-run': missing } }, 'no-systemd-run', async (other) => {
      writeFileSync(host.configFile, configWith('  users.motd = "no systemd-run";'));
      const done = await other.ctx.jobs.wait((await other.call('system.rebuild', { action: 'test' })).jobId);
      expect(done.error).toBeUndefined();
      const log = other.ctx.jobs.log(done.id, 0, 10_000).lines.map((l) => l.text);
      expect(log).toContain(`systemd-run does not work here (${missing} was not found), so the activation runs as a detached process instead.`);
      expect(host.activations().at(-1)).toBe(`test ${(done.result as { storePath: string }).storePath}`);
    });
  });
});

describe('reattach after a restart', () => {
  for (const mode of ['a detached process', 'a systemd unit'] as const) {
    it(`an activation in ${mode} that outlives the app is picked up by the next start, with its log, until it ends`, async () => {
      const changes = { useSystemdRun: mode === 'a systemd unit' };
      await withChangedHost(changes, `reattach-${changes.useSystemdRun}`, async (app) => {
        writeFileSync(host.configFile, configWith(`  users.motd = "reattach from ${mode}";`));
        const built = await app.ctx.privileged.run<{ buildId: string; storePath: string }>('rebuild', { action: 'build', upgrade: false, showTrace: false, flakeAttribute: null });
        host.slowActivation(4);
        // the app's helper starts the activation, then the app goes away (the helper is killed with it)
        const helper = spawn(process.execPath, [path.join(process.cwd(), 'dist/helper/helper.mjs'), 'activate', '-'], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
        helper.stdin!.write(`${Buffer.from(JSON.stringify({ buildId: built.buildId, action: 'switch', trial: false })).toString('base64url')}\n`);
        const stateFile = path.join(host.host.activationDir, 'activation.json');
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
          const restarted = await testApp({ ...host.host, ...changes });
          const found = await waitFor(() => restarted.ctx.jobs.running('system')[0], 5000);
          expect(found.title).toMatch(/picked up after a restart/);
          expect(found.cancellable).toBe(false);
          expect((await restarted.callError('jobs.cancel', { jobId: found.id })).code).toBe('not-cancellable');
          const done = await restarted.ctx.jobs.wait(found.id);
          expect(done.status).toBe('done');
          expect(done.result).toMatchObject({ reattached: true, storePath: built.storePath, action: 'switch' });
          const log = restarted.ctx.jobs.log(found.id, 0, 1000).lines.map((l) => l.text);
          expect(log).toContain('activating the configuration...');
          expect(log).toContain('starting the following units: fixture-slow-4.service');
          expect(log).toContain('the following new units were started: fixture-slow.service');
          // the activation itself completed although its helper was killed
          expect(host.activations().at(-1)).toBe(`switch ${built.storePath}`);
          expect(realpathSync(host.host.systemProfile)).toBe(built.storePath);
          expect(readlinkSync(host.host.currentSystem)).toBe(built.storePath);
          expect(activationState()).toMatchObject({ unit: changes.useSystemdRun ? 'nixos-rebuild-switch-to-configuration' : null });
          await restarted.dispose();
        } finally {
          host.slowActivation(0);
        }
      });
    });
  }
});
