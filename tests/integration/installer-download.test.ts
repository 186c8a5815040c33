import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../shared/contract';
import { candidateStableReleases } from '../../electron/services/installer/releases';
import { tempDir, testApp } from '../helpers/app';
import { GRUB_RESCUE_ISO, IPXE_ISO, sha256 } from '../helpers/install-media';
import { deadUrl, startReleaseServer, type ReleaseServer, type ServedImage } from '../helpers/release-server';

/**
 * The download path against a real HTTP server on 127.0.0.1 with the channel server's layout
 * (latest-* redirects, versioned files, .sha256 files without a trailing newline), serving real ISOs.
 */

const [newest, previous, older] = candidateStableReleases(new Date()) as [string, string, string];
const grub = readFileSync(GRUB_RESCUE_ISO);
const ipxe = readFileSync(IPXE_ISO);
const big = Buffer.concat([grub, Buffer.alloc(6 * 1024 * 1024, 7)]);

const images: ServedImage[] = [
  { channel: `nixos-${newest}`, fileEdition: 'minimal', arch: 'x86_64', version: `${newest}.1234.abcdef0`, data: big },
  { channel: `nixos-${newest}`, fileEdition: 'graphical', arch: 'x86_64', version: `${newest}.1234.abcdef0`, data: ipxe },
  { channel: `nixos-${newest}`, fileEdition: 'minimal', arch: 'aarch64', version: `${newest}.1234.abcdef0`, data: ipxe, wrongChecksum: true },
  { channel: `nixos-${previous}`, fileEdition: 'minimal', arch: 'x86_64', version: `${previous}.999.1234567`, data: ipxe },
  { channel: `nixos-${previous}`, fileEdition: 'graphical', arch: 'aarch64', version: `${previous}.999.1234567`, data: ipxe, missingTarget: true },
  { channel: `nixos-${previous}`, fileEdition: 'minimal', arch: 'aarch64', version: `${previous}.999.1234567`, data: ipxe, noChecksum: true },
  { channel: `nixos-${older}`, fileEdition: 'minimal', arch: 'x86_64', version: `${older}.5.1111111`, data: ipxe },
  // a server that sends a web page with a checksum that matches it: checksums alone cannot catch that
  { channel: `nixos-${older}`, fileEdition: 'graphical', arch: 'x86_64', version: `${older}.5.1111111`, data: Buffer.from('<html><body>Mirror under maintenance</body></html>\n'.repeat(40000)) },
  { channel: 'nixos-unstable', fileEdition: 'minimal', arch: 'x86_64', version: '27.05pre880011.deadbee', data: grub },
  { channel: 'nixos-24.11', fileEdition: 'gnome', arch: 'x86_64', version: '24.11.719113.50ab793', data: ipxe },
];

describe('installer against a local release server', () => {
  let server: ReleaseServer;
  let dir: string;
  let app: Awaited<ReturnType<typeof testApp>>;
  const cache = () => path.join(dir, 'cache', 'isos');

  beforeAll(async () => {
    server = await startReleaseServer(images);
  });
  beforeEach(async () => {
    dir = tempDir('nc-installer-');
    app = await testApp({ channelBaseUrl: server.url, cacheDir: path.join(dir, 'cache'), starterConfigDir: path.join(dir, 'starter') });
    for (const k of Object.keys(server.faults)) delete (server.faults as Record<string, unknown>)[k];
    server.requests.length = 0;
  });
  afterAll(async () => {
    await server.close();
  });

  const download = async (params: { channel: string; edition: 'minimal' | 'graphical'; arch: 'x86_64' | 'aarch64' }, during?: (jobId: string, bytes: number) => void): Promise<JobSummary & { logs: string[] }> => {
    const { jobId } = await app.call('installer.download', params);
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'job' && e.jobId === jobId && e.kind === 'progress') during?.(jobId, e.progress.bytesDone ?? 0);
    });
    const s = await app.ctx.jobs.wait(jobId);
    off();
    const logs = app.ctx.jobs.log(jobId, 0, 1000).lines.map((l) => l.text);
    return { ...s, logs };
  };

  it('offers the newest two stable releases and unstable, named from the redirect targets', async () => {
    const r = await app.call('installer.releases', {});
    expect(r.releases.map((x) => x.channel)).toEqual([`nixos-${newest}`, `nixos-${previous}`, 'nixos-unstable']);
    expect(r.releases[0]).toMatchObject({ kind: 'stable', version: `${newest}.1234.abcdef0` });
    expect(r.releases[2]).toMatchObject({ kind: 'unstable', version: '27.05pre880011.deadbee' });
    expect(r.editions.map((e) => e.id)).toEqual(['minimal', 'graphical']);
    expect(r.machineArch).toMatch(/^(x86_64|aarch64)$/);
    for (const x of [...r.releases, ...r.editions, ...r.arches]) expect(x.description.length).toBeGreaterThan(20);
  });

  it('resolves the exact image: versioned name, size, and the published checksum parsed from its file', async () => {
    const r = await app.call('installer.resolve', { channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
    expect(r.fileName).toBe(`nixos-minimal-${newest}.1234.abcdef0-x86_64-linux.iso`);
    expect(r.version).toBe(`${newest}.1234.abcdef0`);
    expect(r.size).toBe(big.length);
    expect(r.sha256).toBe(sha256(big));
    expect(r.url).toContain('/releases/nixos/');
    expect(r.cachedPath).toBeNull();
  });

  it('finds the graphical image of releases before 25.05 under its old per-desktop name', async () => {
    const r = await app.call('installer.resolve', { channel: 'nixos-24.11', edition: 'graphical', arch: 'x86_64' });
    expect(r.fileName).toBe('nixos-gnome-24.11.719113.50ab793-x86_64-linux.iso');
  });

  it('says so when the redirect points at a file that is not there (404 on the target)', async () => {
    const err = await app.callError('installer.resolve', { channel: `nixos-${previous}`, edition: 'graphical', arch: 'aarch64' });
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/not on the download server/);
  });

  it('says so when a channel has no such image (404 on the channel server)', async () => {
    const err = await app.callError('installer.resolve', { channel: `nixos-${older}`, edition: 'graphical', arch: 'aarch64' });
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/has no graphical image for aarch64/);
  });

  it('downloads, hashes on the way, checks the published SHA-256, caches, and reuses the cache', async () => {
    const s = await download({ channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    const r = s.result as { path: string; sha256: string; matches: boolean; reused: boolean; isoHybrid: boolean; downloadedBytes: number };
    expect(r.path).toBe(path.join(cache(), `nixos-minimal-${newest}.1234.abcdef0-x86_64-linux.iso`));
    expect(sha256(readFileSync(r.path))).toBe(sha256(big));
    expect(r).toMatchObject({ sha256: sha256(big), matches: true, reused: false, isoHybrid: true, downloadedBytes: big.length });
    expect(readFileSync(`${r.path}.sha256`, 'utf8')).toBe(`${sha256(big)}  ${path.basename(r.path)}`);
    expect(existsSync(`${r.path}.part`)).toBe(false);

    server.requests.length = 0;
    const again = await download({ channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
    expect(again.result).toMatchObject({ reused: true, downloadedBytes: 0, sha256: sha256(big) });
    expect(server.requests.filter((q) => q.method === 'GET' && q.path.endsWith('.iso'))).toEqual([]);
    expect((await app.call('installer.resolve', { channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' })).cachedPath).toBe(r.path);
  });

  it('throws away a damaged cached copy and downloads again', async () => {
    await download({ channel: 'nixos-unstable', edition: 'minimal', arch: 'x86_64' });
    const file = path.join(cache(), 'nixos-minimal-27.05pre880011.deadbee-x86_64-linux.iso');
    const damaged = readFileSync(file);
    damaged[40000] = damaged[40000]! ^ 0xff;
    writeFileSync(file, damaged);
    const s = await download({ channel: 'nixos-unstable', edition: 'minimal', arch: 'x86_64' });
    expect(s.result).toMatchObject({ reused: false, sha256: sha256(grub) });
    expect(s.logs.join('\n')).toMatch(/cached copy is damaged/);
  });

  it('resumes with an HTTP Range request when the connection drops midway', async () => {
    server.faults.dropAfter = 2 * 1024 * 1024;
    server.faults.dropCount = 1;
    const s = await download({ channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    expect(s.logs.join('\n')).toMatch(/Connection lost at \d+ bytes/);
    const ranged = server.requests.filter((q) => q.method === 'GET' && q.range);
    expect(ranged.length).toBe(1);
    expect(Number(/bytes=(\d+)-/.exec(ranged[0]!.range!)![1])).toBeGreaterThan(0);
    expect(ranged[0]!.status).toBe(206);
    expect((s.result as { sha256: string }).sha256).toBe(sha256(big));
  });

  it('resumes a paused download in a later run from the partial file', async () => {
    server.faults.bytesPerSecond = 2 * 1024 * 1024;
    let cancelled = false;
    const first = await download({ channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' }, (jobId, bytes) => {
      if (!cancelled && bytes > 1024 * 1024) {
        cancelled = true;
        void app.call('jobs.cancel', { jobId });
      }
    });
    expect(first.status).toBe('cancelled');
    const part = path.join(cache(), `nixos-minimal-${newest}.1234.abcdef0-x86_64-linux.iso.part`);
    const partial = statSync(part).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(big.length);
    delete server.faults.bytesPerSecond;
    server.requests.length = 0;
    const second = await download({ channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
    expect(second.status, JSON.stringify(second.error)).toBe('done');
    expect(second.result).toMatchObject({ resumedFrom: partial, downloadedBytes: big.length - partial, sha256: sha256(big) });
    expect(server.requests.find((q) => q.method === 'GET' && q.path.endsWith('.iso'))?.range).toBe(`bytes=${partial}-`);
  });

  it('starts over when the server ignores the range', async () => {
    server.faults.dropAfter = 1024 * 1024;
    server.faults.dropCount = 1;
    server.faults.ignoreRange = true;
    const s = await download({ channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    expect(s.logs.join('\n')).toMatch(/ignored the resume request/);
    expect((s.result as { sha256: string }).sha256).toBe(sha256(big));
  });

  it('refuses a download whose bytes do not match the published checksum, and keeps nothing', async () => {
    const s = await download({ channel: `nixos-${newest}`, edition: 'minimal', arch: 'aarch64' });
    expect(s.status).toBe('failed');
    expect(s.error?.message).toMatch(/does not match its published checksum/);
    expect(existsSync(cache()) ? execFileSync('ls', ['-A', cache()], { encoding: 'utf8' }).trim() : '').toBe('');
  });

  it('refuses a truncated file on the server (checksum), and gives up on a server that keeps cutting the connection', async () => {
    server.faults.shortBody = 1024 * 1024;
    const short = await download({ channel: `nixos-${previous}`, edition: 'minimal', arch: 'x86_64' });
    expect(short.status).toBe('failed');
    expect(short.error?.message).toMatch(/does not match its published checksum|ended early/);
    delete server.faults.shortBody;
    // a server that sends a little and then always hangs up: resume makes progress, so it gets there
    server.faults.dropAfter = 512 * 1024;
    server.faults.dropCount = 3;
    const slow = await download({ channel: `nixos-${previous}`, edition: 'minimal', arch: 'x86_64' });
    expect(slow.status, JSON.stringify(slow.error)).toBe('done');
    expect(slow.logs.filter((l) => /Connection lost/.test(l)).length).toBe(3);
    // one that hangs up before sending anything: after five fruitless retries it gives up
    rmSync(cache(), { recursive: true, force: true });
    server.faults.dropAfter = 0;
    server.faults.dropCount = 100;
    const cut = await download({ channel: `nixos-${previous}`, edition: 'minimal', arch: 'x86_64' });
    expect(cut.status).toBe('failed');
    expect(cut.error?.code).toBe('network');
    expect(cut.logs.filter((l) => /Connection lost/.test(l)).length).toBe(5);
  }, 60_000);

  it('refuses a download that matches its checksum but is not a disk image, and keeps nothing', async () => {
    const s = await download({ channel: `nixos-${older}`, edition: 'graphical', arch: 'x86_64' });
    expect(s.status).toBe('failed');
    expect(s.error).toMatchObject({ code: 'refused', message: expect.stringMatching(/^The downloaded file is not a disk image \(it has no ISO 9660, MBR or GPT signature/) });
    expect(existsSync(cache()) ? readdirSync(cache()) : []).toEqual([]);
  });

  it('will not download an image without a published checksum', async () => {
    const s = await download({ channel: `nixos-${previous}`, edition: 'minimal', arch: 'aarch64' });
    expect(s.status).toBe('failed');
    expect(s.error?.message).toMatch(/No checksum is published/);
  });

  it('says plainly when offline (connection refused)', async () => {
    const offline = await testApp({ channelBaseUrl: await deadUrl(), cacheDir: path.join(dir, 'cache') });
    const err = await offline.callError('installer.releases', {});
    expect(err.code).toBe('network');
    expect(err.message).toMatch(/^Could not reach 127\.0\.0\.1:\d+: nothing answered there \(the connection was refused\)\./);
    expect(err.message).not.toMatch(/ECONNREFUSED/);
    expect(err.detail).toMatch(/^ECONNREFUSED: /);
    const { jobId } = await offline.call('installer.download', { channel: 'nixos-unstable', edition: 'minimal', arch: 'x86_64' });
    const s = await offline.ctx.jobs.wait(jobId);
    expect(s.status).toBe('failed');
    expect(s.error?.code).toBe('network');
  });

  it('says plainly when the disk is too full for the download', async () => {
    const small = path.join(dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      const full = await testApp({ channelBaseUrl: server.url, cacheDir: small });
      const { jobId } = await full.call('installer.download', { channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
      const s = await full.ctx.jobs.wait(jobId);
      expect(s.status).toBe('failed');
      expect(s.error?.code).toBe('disk-full');
      expect(s.error?.message).toMatch(/not enough free space/);
    } finally {
      execFileSync('umount', [small]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says plainly when the disk fills up during the download, and keeps nothing to write', async () => {
    const small = path.join(dir, 'filling');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=80m', 'tmpfs', small]);
    try {
      const filling = await testApp({ channelBaseUrl: server.url, cacheDir: small });
      server.faults.bytesPerSecond = 2 * 1024 * 1024;
      const { jobId } = await filling.call('installer.download', { channel: `nixos-${newest}`, edition: 'minimal', arch: 'x86_64' });
      let filled = false;
      const off = filling.ctx.events.on((e) => {
        if (filled || e.topic !== 'job' || e.jobId !== jobId || e.kind !== 'progress' || (e.progress.bytesDone ?? 0) < 1024 * 1024) return;
        filled = true;
        // another program takes all the room that is left (dd itself ends with "No space left on device")
        try {
          execFileSync('dd', ['if=/dev/zero', `of=${path.join(small, 'other-program.bin')}`, 'bs=1M', 'status=none'], { stdio: 'ignore' });
        } catch {
          /* expected: the disk is full */
        }
      });
      const s = await filling.ctx.jobs.wait(jobId).finally(off);
      expect(filled).toBe(true);
      expect(s.status).toBe('failed');
      expect(s.error?.code).toBe('disk-full');
      expect(s.error?.message).toMatch(/filled up during the download/);
      expect(existsSync(path.join(small, 'isos', server.fileName(images[0]!)))).toBe(false);
      await filling.dispose();
    } finally {
      execFileSync('umount', [small]);
    }
  });

  describe('a local ISO file', () => {
    it('hashes it, compares with the given checksum and sees that it is hybrid', async () => {
      const { jobId } = await app.call('installer.checkLocal', { path: IPXE_ISO, sha256: sha256(ipxe).toUpperCase() });
      const s = await app.ctx.jobs.wait(jobId);
      expect(s.status, JSON.stringify(s.error)).toBe('done');
      expect(s.result).toMatchObject({ path: IPXE_ISO, size: ipxe.length, sha256: sha256(ipxe), matches: true, isoHybrid: true });
    });

    it('refuses a file that does not match the checksum given', async () => {
      const { jobId } = await app.call('installer.checkLocal', { path: IPXE_ISO, sha256: 'b'.repeat(64) });
      const s = await app.ctx.jobs.wait(jobId);
      expect(s.status).toBe('failed');
      expect(s.error?.message).toMatch(/does not match the checksum you gave/);
    });

    it('refuses something that is not a file', async () => {
      const { jobId } = await app.call('installer.checkLocal', { path: '/dev/null' });
      const s = await app.ctx.jobs.wait(jobId);
      expect(s.error?.message).toMatch(/not a regular file/);
    });
  });
});
