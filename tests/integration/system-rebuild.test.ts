import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { testApp } from '../helpers/app';
import { addToConfig, makeSystemHost, type SystemHost } from '../fixtures/system-host';
import { describeEachNix } from '../support/nix-each';

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
        const built = await app.ctx.privileged.run('rebuild', { action: 'build', upgrade: false, showTrace: false, flakeAttribute: null });
        host.slowActivation(4);
        // the app's helper starts the activation, then the app goes away (the helper is killed with it)
        const helper = spawn(process.execPath, [path.join(process.cwd(), 'dist/helper/helper.mjs'), 'activate', 'activate', '-'], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
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

describe('"Update channels first" is a checked step of its own', () => {
  const channelsFile = () => path.join(host.dir, 'root/.nix-channels');
  const channelTarget = () => readlinkSync(path.join(host.dir, 'nix/var/nix/profiles/per-user/root/channels'));

  it('a channel update that fails fails the job in words, and nothing is built', async () => {
    // The channel server cannot be reached: a port nobody listens on for the real nix-channel the app
    // runs, and the fixture's knob for the stand-in nixos-rebuild (nixos-rebuild-ng would ignore the
    // failure: nix-channel --update runs with check=False, and the old channel gets built).
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const savedList = readFileSync(channelsFile(), 'utf8');
    const offline = path.join(host.dir, '.fixture/channels-offline');
    writeFileSync(channelsFile(), `http://127.0.0.1:${port}/nixos-24.11 nixos\n`);
    writeFileSync(offline, '');
    try {
      await withChangedHost({ allowHttpLoopbackChannels: true }, 'upgrade-offline', async (other) => {
        writeFileSync(host.configFile, configWith('  users.motd = "after a failed channel update";'));
        const channelBefore = channelTarget();
        const { jobId } = await other.call('system.rebuild', { action: 'build', upgrade: true });
        const done = await other.ctx.jobs.wait(jobId);
        const log = other.ctx.jobs.log(jobId, 0, 10_000).lines.map((l) => l.text);
        expect(done.status, log.join('\n')).toBe('failed');
        expect(done.error?.code).toBe('network');
        expect(done.error?.message).toBe('Updating the channel nixos failed, so nothing was built: the system would have been rebuilt from the old channel. Check the network connection, then try again (or rebuild without updating).');
        // nix-channel's own words are kept for whoever wants them
        expect(done.error?.detail).toMatch(/unable to download 'http:\/\/127\.0\.0\.1:\d+\/nixos-24\.11'/);
        expect(log).not.toContain('building the system configuration...');
        expect(channelTarget()).toBe(channelBefore);
      });
    } finally {
      writeFileSync(channelsFile(), savedList);
      rmSync(offline, { force: true });
    }
  });

  it('a channel update that works comes first, then the build uses the new channel', async () => {
    // a channel server on 127.0.0.1 serving the fixture's next 24.11 release (.712431; the channel has .711521)
    const tarball = readFileSync(path.join(host.dir, 'srv/channels/nixos-24.11/nixexprs.tar.xz'));
    const server = http.createServer((req, res) => {
      if (req.url === '/nixos-24.11') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>nixos-24.11</html>');
      if (req.url === '/nixos-24.11/nixexprs.tar.xz') return res.writeHead(200, { 'content-type': 'application/x-xz', 'content-length': tarball.length }).end(req.method === 'HEAD' ? undefined : tarball);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const savedList = readFileSync(channelsFile(), 'utf8');
    const savedChannel = channelTarget();
    writeFileSync(channelsFile(), `http://127.0.0.1:${(server.address() as AddressInfo).port}/nixos-24.11 nixos\n`);
    try {
      await withChangedHost({ allowHttpLoopbackChannels: true }, 'upgrade-online', async (other) => {
        writeFileSync(host.configFile, configWith('  users.motd = "after a channel update";'));
        const phases: string[] = [];
        const off = other.ctx.events.on((e) => {
          if (e.topic === 'job' && e.kind === 'phase') phases.push((e as { label: string }).label);
        });
        const { jobId } = await other.call('system.rebuild', { action: 'build', upgrade: true });
        const done = await other.ctx.jobs.wait(jobId);
        off();
        const log = other.ctx.jobs.log(jobId, 0, 10_000).lines.map((l) => l.text);
        expect(done.status, `${JSON.stringify(done.error)}\n${log.join('\n')}`).toBe('done');
        expect(phases.indexOf('Updating the channel nixos')).toBeGreaterThanOrEqual(0);
        expect(phases.indexOf('Updating the channel nixos')).toBeLessThan(phases.indexOf('Evaluating and building'));
        expect(channelTarget()).not.toBe(savedChannel);
        // built from the channel just unpacked
        const storePath = (done.result as { storePath: string }).storePath;
        expect(readFileSync(path.join(storePath, 'nixos-version'), 'utf8')).toMatch(/^24\.11\.712431/);
      });
    } finally {
      server.close();
      writeFileSync(channelsFile(), savedList);
      // put the original channel generation back for the tests after this one
      execFileSync('nix-env', ['-p', path.join(host.dir, 'nix/var/nix/profiles/per-user/root/channels'), '--switch-generation', /-(\d+)-link$/.exec(savedChannel)![1]!], { env: process.env, stdio: 'pipe' });
    }
  });
});

/**
 * A flake kept in a dotfiles checkout, with /etc/nixos/flake.nix a link into it (a common setup): both
 * nixos-rebuilds build the folder the link resolves to. Errors come from Nix's copy of the flake in the
 * store and must point back into the checkout. On both Nix versions (their messages differ).
 */
describeEachNix('a flake in a dotfiles checkout that /etc/nixos/flake.nix links to', () => {
  let flakeHost: SystemHost;
  let dotfiles: string;
  let flakeApp: Awaited<ReturnType<typeof testApp>>;
  let config: string;
  const git = (...args: string[]) => execFileSync('git', ['-C', dotfiles, '-c', 'user.email=alice@example.org', '-c', 'user.name=Alice', ...args], { encoding: 'utf8' }).trim();

  beforeAll(async () => {
    flakeHost = await makeSystemHost({ generations: 1, flake: true });
    const etc = flakeHost.host.nixosConfigDir;
    dotfiles = path.join(flakeHost.dir, 'home/alice/dotfiles');
    mkdirSync(dotfiles, { recursive: true });
    for (const f of ['flake.nix', 'flake.lock', 'configuration.nix', 'hardware-configuration.nix']) renameSync(path.join(etc, f), path.join(dotfiles, f));
    symlinkSync(path.join(dotfiles, 'flake.nix'), path.join(etc, 'flake.nix'));
    // what is left in /etc/nixos is not what gets built
    writeFileSync(path.join(etc, 'configuration.nix'), '{ ... }: { users.motd = "the old /etc/nixos"; }\n');
    config = readFileSync(path.join(dotfiles, 'configuration.nix'), 'utf8');
    execFileSync('git', ['init', '-q', '-b', 'main', dotfiles]);
    git('add', '.');
    git('commit', '-q', '-m', 'my system');
    process.env.NIXOS_COMPANION_HOST = flakeHost.hostFile;
    flakeApp = await testApp(flakeHost.host);
    await flakeApp.call('system.settings.set', { previewBeforeSwitch: false });
  });
  afterAll(async () => {
    process.env.NIXOS_COMPANION_HOST = host.hostFile;
    await flakeApp?.dispose();
  });

  const rebuild = async (params: Parameters<typeof flakeApp.call<'system.rebuild'>>[1]) => {
    const { jobId } = await flakeApp.call('system.rebuild', params);
    const done = await flakeApp.ctx.jobs.wait(jobId);
    return { done, log: flakeApp.ctx.jobs.log(jobId, 0, 10_000).lines.map((l) => l.text) };
  };

  it('builds the checkout the link resolves to, as nixos-rebuild does', async () => {
    writeFileSync(path.join(dotfiles, 'configuration.nix'), addToConfig(config, '  users.motd = "from my dotfiles";'));
    const { done, log } = await rebuild({ action: 'build' });
    expect(done.status, `${JSON.stringify(done.error)}\n${log.join('\n')}`).toBe('done');
    const storePath = (done.result as { storePath: string }).storePath;
    expect(readFileSync(path.join(storePath, 'activate'), 'utf8')).toContain('# motd: from my dotfiles');
    expect(log).toContain(`nixos-rebuild build --flake ${dotfiles}#nixbox`);
    // the configuration the app shows and edits is the checkout's
    const read = await flakeApp.call('system.config.read', {});
    expect(read.dir).toBe(dotfiles);
    expect(read.files.map((f) => f.path)).toContain('configuration.nix');
    expect((await flakeApp.call('system.flake.inputs', {})).dir).toBe(dotfiles);
  });

  it('an evaluation error points at the file in the checkout, not at Nix\'s copy in the store', async () => {
    const text = addToConfig(config, '  users.motd = pkgs.no-such-package;');
    writeFileSync(path.join(dotfiles, 'configuration.nix'), text);
    const { done, log } = await rebuild({ action: 'build' });
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('nix-error');
    // Nix named its copy of the flake ...
    expect(log.join('\n')).toMatch(/\/nix\/store\/[a-z0-9]{32}-source\/configuration\.nix/);
    // ... the app names the file in the checkout, at the line of the mistake
    expect(done.error?.location).toMatchObject({ file: path.join(dotfiles, 'configuration.nix'), line: text.split('\n').findIndex((l) => l.includes('no-such-package')) + 1 });
    expect(done.error?.detail).toContain(path.join(dotfiles, 'configuration.nix'));
    expect(done.error?.detail).not.toMatch(/\/nix\/store\/[a-z0-9]{32}-source\/configuration\.nix/);
  });

  it('a new file that git does not track yet: Nix says the path does not exist, the app says "git add" it', async () => {
    writeFileSync(path.join(dotfiles, 'extra.nix'), '{ ... }: { users.motd = "from extra.nix"; }\n');
    const text = config.replace(/imports =\s*\[/, 'imports = [ ./extra.nix');
    expect(text).not.toBe(config);
    writeFileSync(path.join(dotfiles, 'configuration.nix'), text);
    const { done, log } = await rebuild({ action: 'build' });
    expect(done.status).toBe('failed');
    // real Nix's words: 2.26 "path '/nix/store/…-source/extra.nix' does not exist", 2.8 "getting status of '…': No such file or directory"
    expect(log.join('\n')).toMatch(/(path '\/nix\/store\/[a-z0-9]{32}-source\/extra\.nix' does not exist|getting status of '\/nix\/store\/[a-z0-9]{32}-source\/extra\.nix': No such file or directory)/);
    expect(done.error?.message).toMatch(/extra\.nix is not known to git, so Nix cannot see it/);
    expect(done.error?.message).toContain(`Run "git add extra.nix" in ${dotfiles}`);
    expect(done.error?.location?.file.startsWith(dotfiles)).toBe(true);
    // and once it is added, it builds
    git('add', 'extra.nix');
    const again = await rebuild({ action: 'build' });
    expect(again.done.status, JSON.stringify(again.done.error)).toBe('done');
    expect(readFileSync(path.join((again.done.result as { storePath: string }).storePath, 'activate'), 'utf8')).toContain('# motd: from extra.nix');
    git('rm', '-q', '--cached', 'extra.nix');
    rmSync(path.join(dotfiles, 'extra.nix'));
    writeFileSync(path.join(dotfiles, 'configuration.nix'), config);
  });

  it('"Update first" updates the flake inputs, not the channels', async () => {
    const channels = path.join(flakeHost.dir, 'nix/var/nix/profiles/per-user/root/channels');
    const channelBefore = readlinkSync(channels);
    const phases: string[] = [];
    const off = flakeApp.ctx.events.on((e) => {
      if (e.topic === 'job' && e.kind === 'phase') phases.push((e as { label: string }).label);
    });
    const { done, log } = await rebuild({ action: 'build', upgrade: true });
    off();
    expect(done.status, `${JSON.stringify(done.error)}\n${log.join('\n')}`).toBe('done');
    expect(phases).toContain('Updating the flake inputs');
    expect(phases.indexOf('Updating the flake inputs')).toBeLessThan(phases.indexOf('Evaluating and building'));
    expect(log.some((l) => /^(Flake inputs updated: |Every flake input is already at its newest version\.)/.test(l))).toBe(true);
    expect(readlinkSync(channels)).toBe(channelBefore);
  });
});
