import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SetupResult } from '../../shared/contract/home';
// @ts-expect-error plain ESM fixture without types
import { applyEnv, homeNix, makeHomeEnv, serveChannel } from '../fixtures/home/make-home-env.mjs';
import { testApp } from '../helpers/app';
import { describeEachNix } from '../support/nix-each';
import { nixVersionOf } from '../support/nix.mjs';

type App = Awaited<ReturnType<typeof testApp>>;

/**
 * The guided standalone install, end to end, with real nix-channel and nix-shell against a local channel
 * server. The app runs in a session whose NIX_PATH is what NixOS gives a user who had no channels at
 * login: root's channels only.
 */
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
    // Home Manager builds with <nixpkgs>: for this user, root's nixos channel
    expect(status.system).toMatchObject({ release: '24.11', unstable: false, certain: true, source: 'root-channel' });
    expect(status.system.detail).toBe('root’s nixos channel (nixpkgs 24.11.716.5e4fbfb6b3de)');
    expect(status.system.nixosVersion).toBe('24.11.716.5e4fbfb6b3de (Vicuna)');
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
    // the relogin step says why a terminal opened before the next login cannot use home-manager yet
    expect(ok.result.steps.find((s) => s.id === 'relogin')?.message).toMatch(/NIX_PATH only at login/);
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

  it('status says the session’s NIX_PATH lacks the new channels, so a new login is needed', async () => {
    const status = await app.call('home.status', {});
    expect(status.channelsOnSessionPath).toBe(false);
    expect(status.needsRelogin).toBe(true);
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
    expect(status.releaseMismatch).toMatch(/follows release-24\.05, but Home Manager builds with nixpkgs 24\.11 \(root’s nixos channel .*\)\..*switch the channel to release-24\.11/);
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

/**
 * A user who never ran nix-channel: NixOS's NIX_PATH (root's channels only, ~/.nix-defexpr/channels is
 * added at login only when it exists) does not have the channel the setup just downloaded. Nix before
 * 2.24 then cannot find <home-manager> at all; from 2.24 Nix appends its default search path (with
 * ~/.nix-defexpr/channels) after NIX_PATH, so only a user nixpkgs channel stays hidden behind root's.
 */
describeEachNix('home.setup on a fresh user, NIX_PATH as NixOS sets it', (variant) => {
  it('installs, and the app’s switch finds the channel; a terminal of this session depends on the Nix version', async () => {
    const fix = makeHomeEnv();
    const server = await serveChannel(fix.root, ['release-24.11']);
    const restore = applyEnv(fix.env);
    try {
      const app = await testApp({ ...fix.host, homeManagerArchiveBaseUrl: server.baseUrl });
      const { jobId } = await app.call('home.setup', { branch: 'release-24.11' });
      const done = await app.ctx.jobs.wait(jobId);
      expect(done.error).toBeUndefined();
      expect((done.result as SetupResult).steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);

      // the home-manager the first generation installed has no channel path baked in: it needs NIX_PATH
      const command = (await app.call('home.status', {})).command!.path;
      writeFileSync(path.join(fix.home, '.config/home-manager/home.nix'), homeNix({ home: fix.home, packages: ['hello', 'jq'] }));
      const terminal = spawnSync(command, ['switch'], { env: { ...process.env }, encoding: 'utf8', cwd: fix.home });
      const [major, minor] = nixVersionOf(variant.bin).split('.').map(Number) as [number, number];
      if (major * 100 + minor < 224) {
        expect(terminal.status).not.toBe(0);
        expect(terminal.stderr).toContain("file 'home-manager' was not found in the Nix search path");
      } else {
        expect(terminal.status).toBe(0);
      }
      writeFileSync(path.join(fix.home, '.config/home-manager/home.nix'), homeNix({ home: fix.home, packages: ['hello', 'jq', 'ripgrep'] }));
      const sw = await app.call('home.switch', {});
      const switched = await app.ctx.jobs.wait(sw.jobId);
      expect(switched.error).toBeUndefined();
      expect(switched.result).toMatchObject({ ok: true });
    } finally {
      restore();
      await server.close();
    }
  });
});

describe('home.setup: the install step without a downloaded channel', () => {
  it('says to retry from the download step, in words', async () => {
    const fix = makeHomeEnv();
    const restore = applyEnv(fix.env);
    try {
      const app = await testApp({ ...fix.host });
      const { jobId } = await app.call('home.setup', { branch: 'release-24.11', from: 'install' });
      const failed = await app.ctx.jobs.wait(jobId);
      expect(failed.status).toBe('failed');
      expect(failed.error?.message).toBe('“Install home-manager” failed: Nix cannot find <home-manager> because the home-manager channel is not downloaded. Retry from “Download the channel”. The earlier steps are kept; fix the cause and retry from this step.');
      expect(failed.error?.detail).toContain("file 'home-manager' was not found in the Nix search path");
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
