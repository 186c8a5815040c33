import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SetupResult } from '../../shared/contract/home';
// @ts-expect-error plain ESM fixture without types
import { applyEnv, makeHomeEnv, serveChannel } from '../fixtures/home/make-home-env.mjs';
import { testApp } from '../helpers/app';

type App = Awaited<ReturnType<typeof testApp>>;

/** The guided standalone install, end to end, with real nix-channel and nix-shell against a local channel server. */
describe('home.setup: add channel, update, install, relogin', () => {
  let fix: ReturnType<typeof makeHomeEnv>;
  let server: Awaited<ReturnType<typeof serveChannel>>;
  let restoreEnv: () => void;
  let app: App;
  const rootChannelsBefore = readdirSync('/nix/var/nix/profiles/per-user/root').sort();

  beforeAll(async () => {
    fix = makeHomeEnv();
    server = await serveChannel(fix.root, ['release-24.11', 'release-24.05']);
    restoreEnv = applyEnv(fix.env);
    app = await testApp({ ...fix.host, homeManagerArchiveBaseUrl: server.baseUrl });
  });
  afterAll(async () => {
    restoreEnv?.();
    await server?.close();
  });

  async function runJob<T>(method: 'home.setup', params: { branch: string; from?: 'channel' | 'update' | 'install' | 'relogin' }) {
    const { jobId } = await app.call(method, params);
    const summary = await app.ctx.jobs.wait(jobId);
    const log = app.ctx.jobs.log(jobId, 0, 100_000).lines.map((l) => l.text);
    return { summary, result: summary.result as T, log };
  }

  it('reports "not installed" with the release that matches the system', async () => {
    const status = await app.call('home.status', {});
    expect(status.installed).toBe(false);
    expect(status.command).toBeNull();
    expect(status.system).toMatchObject({ release: '24.11', unstable: false, source: 'nixos-version' });
    expect(status.recommended).toEqual({ branch: 'release-24.11', url: `${server.baseUrl}/release-24.11.tar.gz` });
    expect(status.profile.path).toBe(path.join(fix.profileDir, 'home-manager'));
    expect(status.profile.generations).toBe(0);
    expect(status.config).toEqual({ path: path.join(fix.home, '.config/home-manager/home.nix'), exists: false, legacyLocation: false });
    expect(status.nixAccess.allowed).toBe(true);
  });

  it('a download failure names the step, keeps the channel it added, and a retry from that step finishes', async () => {
    const failed = await runJob('home.setup', { branch: 'release-23.11' });
    expect(failed.summary.status).toBe('failed');
    expect(failed.summary.error?.message).toMatch(/^“Download the channel” failed/);
    expect(failed.summary.error?.message).toMatch(/release-23\.11/);
    // step 1 stays: the channel is subscribed (real nix-channel wrote ~/.nix-channels)
    expect(readFileSync(path.join(fix.home, '.nix-channels'), 'utf8')).toBe(`${server.baseUrl}/release-23.11.tar.gz home-manager\n`);
    const listed = await app.ctx.runner.run('nix-channel', ['--list']);
    expect(listed.stdout.trim()).toBe(`home-manager ${server.baseUrl}/release-23.11.tar.gz`);
    expect(server.requests).toContain('GET /archive/release-23.11.tar.gz');

    // the person picks the right release: the whole flow, from the first step
    const ok = await runJob<SetupResult>('home.setup', { branch: 'release-24.11' });
    expect(ok.summary.error).toBeUndefined();
    expect(ok.summary.status).toBe('done');
    expect(ok.result.steps.map((s) => [s.id, s.status])).toEqual([
      ['channel', 'done'],
      ['update', 'done'],
      ['install', 'done'],
      ['relogin', 'done'],
    ]);
    expect(ok.result.installed).toBe(true);
    expect(ok.result.version).toBe('24.11');
    // the app was started before the install: the command is in the profile, not on its PATH
    expect(ok.result.needsRelogin).toBe(true);
    expect(ok.log).toContain('Creating initial Home Manager generation...');
    expect(ok.log.some((l) => l.startsWith('All done! The home-manager tool should now be installed'))).toBe(true);
    // the redirect was followed like GitHub's archive URL
    expect(server.requests).toContain('GET /codeload/tar.gz/refs/heads/release-24.11');
  });

  it('leaves a real channel profile in the temp state dir and never touches the machine’s root channels', async () => {
    const channelsLink = readlinkSync(path.join(fix.home, '.nix-defexpr/channels'));
    expect(channelsLink).toBe(path.join(fix.state, 'profiles/per-user/root/channels'));
    expect(existsSync(path.join(channelsLink, 'home-manager/default.nix'))).toBe(true);
    expect(readdirSync('/nix/var/nix/profiles/per-user/root').sort()).toEqual(rootChannelsBefore);
  });

  it('status now shows the install: version, first generation, config, channel, relogin', async () => {
    const status = await app.call('home.status', {});
    expect(status.installed).toBe(true);
    expect(status.version).toBe('24.11');
    expect(status.command?.path).toBe(path.join(fix.home, '.nix-profile/bin/home-manager'));
    expect(status.needsRelogin).toBe(true);
    expect(status.profile).toMatchObject({ generations: 1, current: 1 });
    expect(status.config.exists).toBe(true);
    expect(status.homeManagerChannel).toEqual({ name: 'home-manager', url: `${server.baseUrl}/release-24.11.tar.gz`, release: 'release-24.11' });
    expect(status.releaseMismatch).toBeNull();
    const activations = readFileSync(path.join(fix.home, '.local/state/hm-standin-activations.log'), 'utf8').trim().split('\n');
    expect(activations).toHaveLength(1);
  });

  it('retrying only the install step re-runs it and leaves the channel steps as they were', async () => {
    const before = server.requests.length;
    const again = await runJob<SetupResult>('home.setup', { branch: 'release-24.11', from: 'install' });
    expect(again.summary.status).toBe('done');
    expect(again.result.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'done', 'done']);
    expect(server.requests.length).toBe(before);
    expect(again.log.some((l) => /already exists, leaving it unchanged/.test(l))).toBe(true);
  });

  it('names a release mismatch between the subscribed channel and the system', async () => {
    await app.ctx.runner.run('nix-channel', ['--add', `${server.baseUrl}/release-24.05.tar.gz`, 'home-manager']);
    const status = await app.call('home.status', {});
    expect(status.releaseMismatch).toMatch(/follows release-24\.05.*NixOS\/nixpkgs 24\.11.*release-24\.11/);
    await app.ctx.runner.run('nix-channel', ['--add', `${server.baseUrl}/release-24.11.tar.gz`, 'home-manager']);
  });

  it('a second setup while one runs is refused (exclusive group "home")', async () => {
    const first = await app.call('home.setup', { branch: 'release-24.11', from: 'relogin' });
    const err = await app.callError('home.switch', {});
    expect(err.code).toBe('busy');
    await app.ctx.jobs.wait(first.jobId);
  });

  it('refuses params outside the contract', async () => {
    expect((await app.callError('home.setup', { branch: 'release-24.11; rm -rf /' })).code).toBe('invalid-params');
    expect((await app.callError('home.setup', { branch: 'master', extra: 1 })).code).toBe('invalid-params');
  });
});

describe('home.status: allowed-users and unstable', () => {
  it('reads allowed-users with groups, and maps unstable NixOS to master', async () => {
    const fix = makeHomeEnv({ allowedUsers: '@wheel bob', nixosVersion: '25.05pre712345.abcdef (Warbler)' });
    const restore = applyEnv(fix.env);
    try {
      const app = await testApp({ ...fix.host });
      const denied = await app.call('home.status', {});
      expect(denied.nixAccess).toMatchObject({ allowed: false, rule: 'allowed-users = @wheel bob' });
      expect(denied.system).toMatchObject({ release: '25.05', unstable: true });
      expect(denied.recommended?.branch).toBe('master');
      const fix2 = makeHomeEnv({ allowedUsers: '@users' });
      const app2 = await testApp({ ...fix.host, nixConfFile: fix2.host.nixConfFile, groupFile: fix2.host.groupFile });
      expect((await app2.call('home.status', {})).nixAccess.allowed).toBe(true);
    } finally {
      restore();
    }
  });
});

describe('home.setup: a file in the way of the first switch', () => {
  it('names the file, and a retry of the install step with a backup extension moves it aside', async () => {
    const fix = makeHomeEnv();
    const server = await serveChannel(fix.root, ['release-24.11']);
    const restore = applyEnv(fix.env);
    try {
      const { homeNix } = await import('../fixtures/home/make-home-env.mjs' as string);
      const app = await testApp({ ...fix.host, homeManagerArchiveBaseUrl: server.baseUrl });
      await app.call('home.config.write', { content: homeNix({ home: fix.home, packages: ['hello'], bash: true }) });
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path.join(fix.home, '.bashrc'), '# from the distribution\n');
      const first = await app.call('home.setup', { branch: 'release-24.11' });
      const failed = await app.ctx.jobs.wait(first.jobId);
      expect(failed.status).toBe('failed');
      expect(failed.error?.message).toContain(`“Install home-manager” failed: files already in your home are in the way of Home Manager’s: ${path.join(fix.home, '.bashrc')}.`);
      expect((await app.call('home.status', {})).installed).toBe(false);
      const retry = await app.call('home.setup', { branch: 'release-24.11', from: 'install', backupExtension: 'backup' });
      const done = await app.ctx.jobs.wait(retry.jobId);
      expect(done.error).toBeUndefined();
      expect((done.result as SetupResult).backedUp).toEqual([path.join(fix.home, '.bashrc')]);
      expect(readFileSync(path.join(fix.home, '.bashrc.backup'), 'utf8')).toBe('# from the distribution\n');
      expect((await app.call('home.status', {})).profile.current).toBe(1);
    } finally {
      restore();
      await server.close();
    }
  });
});
