import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testApp } from '../helpers/app';
// @ts-expect-error plain JS fixture
import { writePackagesJsonBr } from '../fixtures/search/make-packages.mjs';

let work: string;
let host: Record<string, unknown>;

beforeAll(() => {
  work = tempDir('nc-search-worker-');
  // the full-size corpus (≥ 145,000 packages, real attribute names): the build that used to block the app for seconds
  writePackagesJsonBr(path.join(work, 'packages.json.br'));
  mkdirSync(path.join(work, 'home'), { recursive: true });
  host = {
    packagesJsonFile: path.join(work, 'packages.json.br'),
    cacheDir: path.join(work, 'cache'),
    rootChannelsDir: path.join(work, 'no-channels'),
    rootChannelsFile: path.join(work, 'no-channels.list'),
    homeDir: path.join(work, 'home'),
    homeManagerProfile: path.join(work, 'home/hm-profile'),
  };
}, 120_000);

describe('search index build in a worker thread', () => {
  it('keeps answering RPC calls while the full packages list is indexed', async () => {
    const app = await testApp(host);
    let building = true;
    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 10);
    const elu0 = performance.eventLoopUtilization();
    const search = app.call('search.packages', { query: 'ripgrep', limit: 5 }).finally(() => (building = false));
    let answered = 0;
    while (building) {
      const s = await app.call('search.sources', {});
      expect(s.sources.find((x) => x.id === 'packages')!.available).toBe(true);
      if (building) answered++;
      await new Promise((r) => setTimeout(r, 25));
    }
    const elu = performance.eventLoopUtilization(elu0);
    clearInterval(ticker);
    const found = await search;
    console.log(`during the build: ${answered} search.sources calls answered, main-thread event loop ${(elu.utilization * 100).toFixed(0)}% busy, longest stall ${maxGap.toFixed(0)} ms`);

    expect(found.results[0]!.attr).toBe('ripgrep');
    expect(found.total).toBeGreaterThan(0);
    // the build took seconds and the main thread answered all along; built on the main thread, its loop would be busy nearly all the time
    expect(answered).toBeGreaterThanOrEqual(5);
    expect(elu.utilization).toBeLessThan(0.6);
    expect(existsSync(path.join(work, 'cache/search/packages/index.bin'))).toBe(true);

    const s = await app.call('search.sources', {});
    expect(s.sources.find((x) => x.id === 'packages')).toMatchObject({ indexed: true, count: expect.any(Number) });
    expect(s.sources.find((x) => x.id === 'packages')!.count).toBeGreaterThanOrEqual(145_000);
  });

  it('the next start opens the saved index instead of building again', async () => {
    const app = await testApp(host);
    const mtime = (await import('node:fs')).statSync(path.join(work, 'cache/search/packages/index.bin')).mtimeMs;
    const rg = await app.call('search.packages', { query: 'rg', limit: 3 });
    expect(rg.results[0]!.attr).toBe('ripgrep');
    expect((await import('node:fs')).statSync(path.join(work, 'cache/search/packages/index.bin')).mtimeMs).toBe(mtime);
  });

  it('says in plain words when the data cannot be read', async () => {
    const bad = path.join(work, 'broken.json.br');
    (await import('node:fs')).writeFileSync(bad, 'not brotli at all');
    const app = await testApp({ ...host, packagesJsonFile: bad, cacheDir: path.join(work, 'cache2') });
    const err = await app.callError('search.packages', { query: 'ripgrep' });
    expect(err.message).toMatch(/could not be decompressed; it may be damaged/);
  });
});
