import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { tempDir, testApp } from '../helpers/app';
import { describeEachNix } from '../support/nix-each';

/**
 * Root channels through the real nix-channel (run by the real root helper) against a channel server
 * on 127.0.0.1 that behaves like channels.nixos.org: /nixos-24.11 redirects to the release it serves
 * now, whose folder holds nixexprs.tar.xz (a real xz tarball with .version and .version-suffix).
 */

let dir: string;
let server: http.Server;
let base: string;
let app: Awaited<ReturnType<typeof testApp>>;
let savedNixConfig: string | undefined;
/** what each channel serves now: channel -> release name */
const firstServed = { 'nixos-24.11': 'nixos-24.11.716.abc1234', 'nixos-25.05': 'nixos-25.05.100.def5678' };
let serving: Record<string, string> = { ...firstServed };
const tarballs = new Map<string, Buffer>();

function tarballFor(release: string): Buffer {
  const cached = tarballs.get(release);
  if (cached) return cached;
  const m = /^nixos-(\d\d\.\d\d)(\..+)$/.exec(release)!;
  const src = path.join(dir, 'src', release);
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'default.nix'), '{ ... }: { }\n');
  writeFileSync(path.join(src, '.version'), m[1]!);
  writeFileSync(path.join(src, '.version-suffix'), m[2]!);
  writeFileSync(path.join(src, '.git-revision'), m[2]!.split('.').pop()!.padEnd(40, '0'));
  const out = path.join(dir, 'src', `${release}.tar.xz`);
  execFileSync('tar', ['-cJf', out, '-C', path.join(dir, 'src'), release]);
  const data = readFileSync(out);
  tarballs.set(release, data);
  return data;
}

describeEachNix('system channels', () => {
  beforeAll(async () => {
    serving = { ...firstServed };
    dir = tempDir('nc-chan-');
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', base);
      const channel = /^\/(nixos-\d\d\.\d\d)$/.exec(url.pathname)?.[1];
      if (channel) {
        const release = serving[channel];
        if (!release) return res.writeHead(404).end('no such channel');
        return res.writeHead(302, { location: `${base}/releases/nixos/${channel.slice(6)}/${release}` }).end();
      }
      const file = /^\/releases\/nixos\/[\d.]+\/(nixos-[^/]+)(\/nixexprs\.tar\.xz)?$/.exec(url.pathname);
      if (file && file[2]) {
        const body = tarballFor(file[1]!);
        return res.writeHead(200, { 'content-type': 'application/x-xz', 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body);
      }
      if (file) return res.writeHead(200, { 'content-type': 'text/html' }).end(`<html>${file[1]}</html>`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    mkdirSync(path.join(dir, 'root'));
    const hostFile = path.join(dir, 'host.json');
    writeFileSync(
      hostFile,
      JSON.stringify({ rootChannelsFile: path.join(dir, 'root/.nix-channels'), rootChannelsDir: path.join(dir, 'channel-profiles/channels'), allowHttpLoopbackChannels: true }),
    );
    process.env.NIXOS_COMPANION_HOST = hostFile;
    savedNixConfig = process.env.NIX_CONFIG;
    // tarball-ttl 0: nix-channel must ask the server again on every update, not reuse its download cache
    process.env.NIX_CONFIG = `${process.env.NIX_CONFIG}\ntarball-ttl = 0`;
    app = await testApp();
  });

  afterAll(async () => {
    delete process.env.NIXOS_COMPANION_HOST;
    if (savedNixConfig === undefined) delete process.env.NIX_CONFIG;
    else process.env.NIX_CONFIG = savedNixConfig;
    await app?.dispose();
    server?.close();
  });

  const nixChannelList = () =>
    execFileSync('nix-channel', ['--list'], { env: { ...process.env, HOME: path.join(dir, 'root') }, encoding: 'utf8' }).trim();

  async function runJob(method: 'system.channels.update', params: { names?: string[] }) {
    const { jobId } = await app.call(method, params);
    const job = await app.ctx.jobs.wait(jobId);
    expect(job.status, `${JSON.stringify(job.error)}\n${app.ctx.jobs.log(jobId, 0, 200).lines.map((l) => l.text).join('\n')}`).toBe('done');
    return job.result as { channels: { name: string; version: string | null }[]; changes: { name: string; before: string | null; after: string | null }[]; warnings: string[] };
  }

  describe('system.channels', () => {
    it('adds a channel with the real nix-channel', async () => {
      expect((await app.call('system.channels.list', {})).channels).toEqual([]);
      const added = await app.call('system.channels.add', { name: 'nixos', url: `${base}/nixos-24.11` });
      expect(added.channels).toEqual([expect.objectContaining({ name: 'nixos', url: `${base}/nixos-24.11`, installed: false, version: null })]);
      expect(nixChannelList()).toBe(`nixos ${base}/nixos-24.11`);
    });

    it('updates it as a job: the release is unpacked into the channels profile', async () => {
      const result = await runJob('system.channels.update', {});
      expect(result.changes).toEqual([{ name: 'nixos', before: null, after: '24.11.716.abc1234' }]);
      const { channels } = await app.call('system.channels.list', {});
      expect(channels[0]).toMatchObject({ name: 'nixos', installed: true, version: '24.11.716.abc1234', release: 'nixos-24.11' });
      expect(channels[0]!.storePath).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nixos-24\.11\/nixos$/);
      // The profile is a real nix-env profile: nix-env sees the channel in it.
      const installed = execFileSync('nix-env', ['-p', path.join(dir, 'channel-profiles/channels'), '-q'], { env: process.env, encoding: 'utf8' });
      expect(installed.trim()).toBe('nixos-24.11');
      // status.ts reads the same list
      const status = await app.call('system.status', {});
      expect(status.configuration.channels).toEqual([{ name: 'nixos', url: `${base}/nixos-24.11`, release: 'nixos-24.11' }]);
    });

    it('checks for updates by following the channel redirect, and spots the next release', async () => {
      const check = await app.call('system.channels.checkUpdate', {});
      expect(check.channels[0]).toMatchObject({ name: 'nixos', installed: '24.11.716.abc1234', latest: 'nixos-24.11.716.abc1234', updateAvailable: false, error: null });
      expect(check.channels[0]!.newerRelease).toEqual({ release: '25.05', url: `${base}/nixos-25.05` });
      expect(check.channels[0]!.warnings.join(' ')).toMatch(/stateVersion/);

      serving['nixos-24.11'] = 'nixos-24.11.720.fedcba9';
      const again = await app.call('system.channels.checkUpdate', { name: 'nixos' });
      expect(again.channels[0]).toMatchObject({ latest: 'nixos-24.11.720.fedcba9', updateAvailable: true, latestUrl: `${base}/releases/nixos/24.11/nixos-24.11.720.fedcba9` });

      const updated = await runJob('system.channels.update', { names: ['nixos'] });
      expect(updated.changes).toEqual([{ name: 'nixos', before: '24.11.716.abc1234', after: '24.11.720.fedcba9' }]);
      expect(updated.warnings).toEqual([]);
      const after = await app.call('system.channels.checkUpdate', { name: 'nixos' });
      expect(after.channels[0]!.updateAvailable).toBe(false);
    });

    it('warns that system.stateVersion must not change when switching releases', async () => {
      const switched = await app.call('system.channels.add', { name: 'nixos', url: `${base}/nixos-25.05` });
      expect(switched.warnings.join(' ')).toMatch(/24\.11 to 25\.05.*Do NOT change system\.stateVersion/);
      const updated = await runJob('system.channels.update', { names: ['nixos'] });
      expect(updated.changes[0]).toMatchObject({ before: '24.11.720.fedcba9', after: '25.05.100.def5678' });
      expect(updated.warnings.join(' ')).toMatch(/stateVersion/);
    });

    it('removes a channel', async () => {
      await app.call('system.channels.add', { name: 'extra_1', url: `${base}/nixos-24.11` });
      const removed = await app.call('system.channels.remove', { name: 'extra_1' });
      expect(removed.channels.map((c) => c.name)).toEqual(['nixos']);
      expect(nixChannelList()).toBe(`nixos ${base}/nixos-25.05`);
      expect((await app.callError('system.channels.remove', { name: 'nope' })).code).toBe('not-found');
    });

    it('refuses bad names and addresses, in the app and again in the root helper', async () => {
      expect((await app.callError('system.channels.add', { name: '../evil', url: `${base}/nixos-24.11` })).code).toBe('invalid-params');
      expect((await app.callError('system.channels.add', { name: '-x', url: `${base}/nixos-24.11` })).code).toBe('invalid-params');
      expect((await app.callError('system.channels.add', { name: 'plain', url: 'http://example.org/nixos-24.11' })).code).toBe('refused');
      expect((await app.callError('system.channels.add', { name: 'plain', url: 'ftp://example.org/x' })).code).toBe('invalid-params');
      for (const args of [
        { name: 'ok', url: 'http://10.0.0.1/nixos' },
        { name: 'ok', url: 'https://user:pw@example.org/nixos' },
        { name: '--help', url: 'https://example.org/nixos' },
        { name: 'ok', url: 'https://example.org/nixos', extra: 1 },
      ]) {
        await expect(app.ctx.privileged.run('channel-add', args)).rejects.toMatchObject({ code: 'refused' });
      }
      await expect(app.ctx.privileged.run('channel-update', { names: ['not-subscribed'] })).rejects.toMatchObject({ code: 'refused' });
      expect(nixChannelList()).toBe(`nixos ${base}/nixos-25.05`);
    });
  });

  describe('system.channels on the fixture NixOS host', () => {
    it('reads the root channel list and the channels profile', async () => {
      const made = (await makeHost(path.join(tempDir('nc-chan-host-'), 'host'), { generations: 1 })) as { host: Record<string, string> };
      const hostApp = await testApp({ ...made.host });
      try {
        const { channels } = await hostApp.call('system.channels.list', {});
        const nixos = channels.find((c) => c.name === 'nixos')!;
        expect(nixos).toMatchObject({ url: 'https://nixos.org/channels/nixos-24.11', installed: true });
        expect(nixos.storePath).toMatch(/^\/nix\/store\/[0-9a-z]{32}-[^/]+\/nixos$/);
        const listed = execFileSync('nix-env', ['-p', made.host.rootChannelsDir!, '-q'], { env: process.env, encoding: 'utf8' }).trim();
        expect(listed).toBe(nixos.release);
      } finally {
        await hostApp.dispose();
      }
    }, 300_000);
  });
});
