import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testApp } from '../helpers/app';
// @ts-expect-error plain JS fixture
import { startChannelServer } from '../fixtures/search/channel-server.mjs';
// @ts-expect-error plain JS fixture
import { dataDir, famous, realAttributeNames, writePackagesJsonBr } from '../fixtures/search/make-packages.mjs';

const REV_2411 = 'cbd8ec4de4469333c82ff40d057350c30e9f7d36';
const REV_UNSTABLE = '2d9e4457f8e83120c9fdf6f1707ed0bc603e5ac9';

let work: string;
let server: { url: string; requests: string[]; close(): Promise<void> };
let hostBase: Record<string, unknown>;

function writeChannels(channelsFile: string, url: string) {
  writeFileSync(channelsFile, `${url} nixos\n`);
}

beforeAll(async () => {
  work = tempDir('nc-search-');
  // real attribute names: every famous one plus a deterministic slice of the rest (the full corpus is the benchmark's)
  const names = realAttributeNames() as string[];
  const subset = [...new Set([...Object.keys(famous).filter((n) => names.includes(n)), ...names.filter((_, i) => i % 8 === 0)])];
  writePackagesJsonBr(path.join(work, 'srv/packages-2411.json.br'), { names: subset });
  writePackagesJsonBr(path.join(work, 'srv/packages-unstable.json.br'), { names: subset.slice(0, 3000), versionAsString: true });
  copyFileSync(path.join(dataDir, 'nixos-options-unstable-2025-02.json.br'), path.join(work, 'srv/options.json.br'));
  server = await startChannelServer({
    'nixos-24.11': { release: 'nixos-24.11.712431.cbd8ec4de446', revision: REV_2411, files: { 'packages.json.br': path.join(work, 'srv/packages-2411.json.br'), 'options.json.br': path.join(work, 'srv/options.json.br') } },
    'nixos-unstable': { release: 'nixos-25.05pre738657.2d9e4457f8e8', revision: REV_UNSTABLE, files: { 'packages.json.br': path.join(work, 'srv/packages-unstable.json.br'), 'options.json.br': path.join(work, 'srv/options.json.br') }, lastModified: new Date('2025-02-25T08:00:00Z') },
  });
  mkdirSync(path.join(work, 'root-channels'), { recursive: true });
  mkdirSync(path.join(work, 'home'), { recursive: true });
  writeChannels(path.join(work, 'root.nix-channels'), 'https://nixos.org/channels/nixos-24.11');
  hostBase = {
    channelBaseUrl: server.url,
    cacheDir: path.join(work, 'cache'),
    rootChannelsDir: path.join(work, 'root-channels'),
    rootChannelsFile: path.join(work, 'root.nix-channels'),
    homeDir: path.join(work, 'home'),
    homeManagerProfile: path.join(work, 'home/hm-profile'),
    nixosConfigDir: path.join(work, 'etc-nixos'),
  };
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('search sources from a channel server', () => {
  it('says what is missing before the first download, and that Home Manager options are not installed', async () => {
    const app = await testApp(hostBase);
    const s = await app.call('search.sources', {});
    expect(s.channel).toEqual({ name: 'nixos-24.11', from: 'system', revision: null, lockedAt: null });
    const byId = Object.fromEntries(s.sources.map((x) => [x.id, x]));
    expect(byId.packages).toMatchObject({ available: false, needsRefresh: true, origin: 'channel' });
    expect(byId.nixos).toMatchObject({ available: false, needsRefresh: true });
    expect(byId['home-manager']).toMatchObject({ available: false, origin: 'none', needsRefresh: false });
    expect(byId['home-manager']!.message).toMatch(/manual\.json\.enable/);
    const err = await app.callError('search.packages', { query: 'ripgrep' });
    expect(err.code).toBe('not-found');
    expect(err.learn).toBe('search');
  });

  it('downloads, indexes and searches; the next start loads the saved index without downloading', async () => {
    const app = await testApp(hostBase);
    const progress: number[] = [];
    app.ctx.events.on((e) => {
      if (e.topic === 'job' && e.kind === 'progress' && typeof e.progress.bytesDone === 'number') progress.push(e.progress.bytesDone);
    });
    const { jobId } = await app.call('search.refresh', {});
    const job = await app.ctx.jobs.wait(jobId);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('done');
    expect(progress.length).toBeGreaterThan(0);
    const result = job.result as { sources: { id: string; release: string | null; publishedAt: string | null; count: number | null; channel: string | null }[] };
    const pk = result.sources.find((x) => x.id === 'packages')!;
    expect(pk.release).toBe('nixos-24.11.712431.cbd8ec4de446');
    expect(pk.channel).toBe('nixos-24.11');
    expect(pk.publishedAt).toBe('2025-02-20T10:00:00.000Z');
    expect(pk.count).toBeGreaterThan(15_000);
    expect(result.sources.find((x) => x.id === 'nixos')!.count).toBe(20_919);

    const rg = await app.call('search.packages', { query: 'rg' });
    expect(rg.results[0]!.attr).toBe('ripgrep');
    expect(rg.results[0]!.mainProgram).toBe('rg');
    const code = await app.call('search.packages', { query: 'code', limit: 3 });
    expect(code.results.map((r) => r.attr)).toContain('vscode');
    expect(code.results.find((r) => r.attr === 'vscode')!.unfree).toBe(true);

    const ssh = await app.call('search.options', { query: 'openssh' });
    expect(ssh.results[0]!.name).toBe('services.openssh.enable');
    expect(ssh.results[0]!.source).toBe('nixos');
    expect(ssh.results[0]!.declarations[0]).toEqual({
      name: 'nixos/modules/services/networking/ssh/sshd.nix',
      url: `https://github.com/NixOS/nixpkgs/blob/${REV_2411}/nixos/modules/services/networking/ssh/sshd.nix`,
    });
    expect(ssh.results[0]!.default).toEqual({ kind: 'nix', text: 'false' });

    const downloads = server.requests.filter((r) => r.endsWith('.json.br')).length;
    const again = await testApp(hostBase);
    const s = await again.call('search.sources', {});
    expect(s.sources.find((x) => x.id === 'packages')).toMatchObject({ available: true, needsRefresh: false, release: 'nixos-24.11.712431.cbd8ec4de446' });
    const firefox = await again.call('search.packages', { query: 'firefox', limit: 1 });
    expect(firefox.results[0]).toMatchObject({ attr: 'firefox', mainProgram: 'firefox', homepage: ['http://www.mozilla.com/en-US/firefox/'] });
    expect(server.requests.filter((r) => r.endsWith('.json.br')).length).toBe(downloads);
  });

  it('notices a channel change and downloads the new channel’s data on refresh', async () => {
    writeChannels(path.join(work, 'root.nix-channels'), 'https://nixos.org/channels/nixos-unstable');
    try {
      const app = await testApp(hostBase);
      const before = await app.call('search.sources', {});
      const pk = before.sources.find((x) => x.id === 'packages')!;
      expect(pk.needsRefresh).toBe(true);
      expect(pk.message).toMatch(/nixos-unstable.*nixos-24\.11/);
      const { jobId } = await app.call('search.refresh', { sources: ['packages'] });
      const job = await app.ctx.jobs.wait(jobId);
      expect(job.status).toBe('done');
      const after = await app.call('search.sources', {});
      expect(after.sources.find((x) => x.id === 'packages')).toMatchObject({ needsRefresh: false, channel: 'nixos-unstable', release: 'nixos-25.05pre738657.2d9e4457f8e8', publishedAt: '2025-02-25T08:00:00.000Z' });
      const r = await app.call('search.packages', { query: 'a', limit: 1 });
      expect(r.total).toBeLessThanOrEqual(3000);
    } finally {
      writeChannels(path.join(work, 'root.nix-channels'), 'https://nixos.org/channels/nixos-24.11');
    }
  });

  it('reports a missing channel and an unreachable server in plain words', async () => {
    writeChannels(path.join(work, 'root.nix-channels'), 'https://nixos.org/channels/nixos-99.05');
    try {
      const app = await testApp({ ...hostBase, cacheDir: path.join(work, 'cache-404') });
      const job = await app.ctx.jobs.wait((await app.call('search.refresh', { sources: ['nixos'] })).jobId);
      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({ code: 'not-found' });
      expect(job.error!.message).toMatch(/nixos-99\.05 has no options\.json\.br/);
    } finally {
      writeChannels(path.join(work, 'root.nix-channels'), 'https://nixos.org/channels/nixos-24.11');
    }
    const offline = await testApp({ ...hostBase, cacheDir: path.join(work, 'cache-offline'), channelBaseUrl: 'http://127.0.0.1:9' });
    const job = await offline.ctx.jobs.wait((await offline.call('search.refresh', { sources: ['nixos'] })).jobId);
    expect(job.error).toMatchObject({ code: 'network', learn: 'network' });
  });
});

describe('search sources from local files and an installed Home Manager', () => {
  it('reads the files the host names (.json and .json.br), including Home Manager’s options', async () => {
    const dir = tempDir('nc-search-local-');
    // packages.json, not compressed, with version as a string
    const { makePackagesJson } = await import('../fixtures/search/make-packages.mjs' as string);
    const pk = makePackagesJson({ versionAsString: true, names: ['ripgrep', 'hello', 'python313Packages.numpy', 'vscode'] });
    pk.packages.hello = { name: 'hello-2.12.1', version: '2.12.1', outputs: ['out'], meta: { description: 'Program that produces a familiar, friendly greeting', homepage: ['https://www.gnu.org/software/hello/manual/', 'https://example.org/hello'], license: 'gpl3Plus', knownVulnerabilities: ['CVE-0'] } };
    writeFileSync(path.join(dir, 'packages.json'), JSON.stringify(pk));
    const app = await testApp({
      cacheDir: path.join(dir, 'cache'),
      packagesJsonFile: path.join(dir, 'packages.json'),
      optionsJsonFile: path.join(dataDir, 'nixos-options-unstable-2025-02.json.br'),
      homeManagerOptionsFile: path.join(dataDir, 'home-manager-options.json.br'),
      rootChannelsFile: path.join(dir, 'none'),
      rootChannelsDir: path.join(dir, 'none'),
    });
    const s = await app.call('search.sources', {});
    expect(s.channel.from).toBe('newest-stable');
    expect(s.sources.every((x) => x.available && x.origin === 'local-file' && !x.needsRefresh)).toBe(true);
    const hello = await app.call('search.packages', { query: 'hello' });
    expect(hello.results[0]).toMatchObject({
      attr: 'hello', pname: 'hello', version: '2.12.1', insecure: true, outputs: ['out'],
      homepage: ['https://www.gnu.org/software/hello/manual/', 'https://example.org/hello'],
      license: [{ name: 'gpl3Plus', spdxId: null, free: null }],
    });
    const rg = await app.call('search.packages', { query: 'ripgrep' });
    expect(rg.results[0]!.license.map((l) => l.spdxId)).toEqual(['Unlicense', 'MIT']);
    const hm = await app.call('search.options', { query: 'git', source: 'home-manager' });
    expect(hm.results[0]).toMatchObject({ name: 'programs.git.enable', source: 'home-manager' });
    expect(hm.results[0]!.declarations[0]!.url).toBe('https://github.com/nix-community/home-manager/blob/master/modules/programs/git.nix');
  });

  it('finds the options.json an installed Home Manager keeps (manual.json.enable) in its profile', async () => {
    const dir = tempDir('nc-search-hm-');
    const doc = path.join(dir, 'hm-profile/home-path/share/doc/home-manager');
    mkdirSync(doc, { recursive: true });
    const zlib = await import('node:zlib');
    const fs = await import('node:fs');
    fs.writeFileSync(path.join(doc, 'options.json'), zlib.brotliDecompressSync(fs.readFileSync(path.join(dataDir, 'home-manager-options.json.br'))));
    const app = await testApp({ cacheDir: path.join(dir, 'cache'), homeDir: dir, homeManagerProfile: path.join(dir, 'hm-profile'), rootChannelsFile: path.join(dir, 'none'), rootChannelsDir: path.join(dir, 'none') });
    const s = await app.call('search.sources', {});
    expect(s.sources.find((x) => x.id === 'home-manager')).toMatchObject({ available: true, origin: 'home-manager', location: path.join(doc, 'options.json') });
    const r = await app.call('search.options', { query: 'programs.firefox.enable', source: 'home-manager' });
    expect(r.results[0]!.name).toBe('programs.firefox.enable');
  });
});

describe('search sources follow the system', () => {
  it('notices a channel change made outside the app and marks the old lists stale', async () => {
    const app = await testApp({ ...hostBase, cacheDir: path.join(work, 'cache-watch') });
    const refreshed = await app.ctx.jobs.wait((await app.call('search.refresh', { sources: ['nixos'] })).jobId);
    expect(refreshed.status).toBe('done');
    const events: string[] = [];
    app.ctx.events.on((e) => {
      if (e.topic === 'changed') events.push(e.what);
    });
    expect((await app.call('search.sources', {})).channel.name).toBe('nixos-24.11');
    await new Promise((r) => setTimeout(r, 300)); // the watcher has read the current channel
    // what `sudo nix-channel --add https://nixos.org/channels/nixos-unstable nixos` does to the list
    const list = path.join(work, 'root.nix-channels');
    writeFileSync(`${list}.tmp`, 'https://nixos.org/channels/nixos-unstable nixos\n');
    (await import('node:fs')).renameSync(`${list}.tmp`, list);
    try {
      await expect.poll(() => events.includes('search-sources'), { timeout: 10_000 }).toBe(true);
      const s = await app.call('search.sources', {});
      expect(s.channel.name).toBe('nixos-unstable');
      const opts = s.sources.find((x) => x.id === 'nixos')!;
      expect(opts).toMatchObject({ needsRefresh: true, channel: 'nixos-24.11' });
      expect(opts.message).toMatch(/now follows nixos-unstable/);
    } finally {
      writeChannels(list, 'https://nixos.org/channels/nixos-24.11');
    }
  });

  it('for a flake configuration, takes the branch and the pinned revision from flake.lock', async () => {
    const dir = tempDir('nc-search-flake-');
    const etc = path.join(dir, 'etc-nixos');
    mkdirSync(etc, { recursive: true });
    writeFileSync(path.join(etc, 'flake.nix'), '{ inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11"; outputs = { nixpkgs, ... }: { }; }\n');
    // the shape `nix flake lock` writes (version 7)
    const lock = (ref: string, rev: string, lastModified: number) => JSON.stringify({
      nodes: {
        nixpkgs: { locked: { lastModified, narHash: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', owner: 'NixOS', repo: 'nixpkgs', rev, type: 'github' }, original: { owner: 'NixOS', ref, repo: 'nixpkgs', type: 'github' } },
        root: { inputs: { nixpkgs: 'nixpkgs' } },
      },
      root: 'root',
      version: 7,
    });
    writeFileSync(path.join(etc, 'flake.lock'), lock('nixos-24.11', REV_2411, 1740000000));
    const app = await testApp({ ...hostBase, nixosConfigDir: etc, cacheDir: path.join(dir, 'cache') });
    const events: string[] = [];
    app.ctx.events.on((e) => {
      if (e.topic === 'changed') events.push(e.what);
    });
    const s = await app.call('search.sources', {});
    expect(s.channel).toEqual({ name: 'nixos-24.11', from: 'flake', revision: REV_2411, lockedAt: new Date(1740000000 * 1000).toISOString() });
    await new Promise((r) => setTimeout(r, 300));
    // `nix flake update` moves the pin: the app notices
    writeFileSync(path.join(etc, 'flake.lock'), lock('nixos-unstable', REV_UNSTABLE, 1740500000));
    await expect.poll(() => events.includes('search-sources'), { timeout: 10_000 }).toBe(true);
    expect((await app.call('search.sources', {})).channel).toMatchObject({ name: 'nixos-unstable', from: 'flake', revision: REV_UNSTABLE });
  });
});
