// First paint of the window, against the way the renderer was served before, measured in the same run:
//   - "before": one bundle holding every page (CodeMirror, Markdown, virtual lists), an empty index.html
//     (nothing to paint until the bundle has run), files sent uncompressed;
//   - "now": the static shell in index.html (painted with no script), a chunk per page loaded on demand,
//     files sent precompressed (brotli) by the loopback server.
// Both are built here from the same sources with Vite (the "before" build with code splitting off, the
// shell taken out and no compressed copies) and served by the real loopback server and app (router,
// services) on a fixture NixOS host, and loaded by Debian's Chromium through Playwright:
//   first load   the first page load of a freshly started browser (one sample per build)
//   cold         a new browser context each time: nothing cached (median of BENCH_RUNS)
//   warm         the same context again: scripts and styles from the HTTP cache, index.html fetched (median)
// Figures: first-contentful-paint (performance.getEntriesByName), "app drawn" (React's sidebar in the page)
// and the bytes transferred on a cold load. Goal: first paint <= 250 ms warm.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { build as vite } from 'vite';
import { makeHost } from '../fixtures/make-host.mjs';
import { importFromApp } from './app-bundle.mjs';
import { fmt, median } from './timing.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const work = path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'nc-bench-first-paint');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const GOAL_MS = 250;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// --- the two renderer builds
const stripShell = {
  name: 'bench-before-no-shell',
  transformIndexHtml: (html) => html.replace(/<div id="root">[\s\S]*?\n    <\/div>\n/, '<div id="root"></div>\n').replace(/<style>[\s\S]*?<\/style>/, ''),
};
const builds = {
  before: path.join(work, 'before'),
  now: path.join(work, 'now'),
};
await vite({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: builds.now, emptyOutDir: true, sourcemap: false } });
await vite({
  configFile: path.join(root, 'vite.config.ts'),
  logLevel: 'warn',
  plugins: [stripShell],
  build: { outDir: builds.before, emptyOutDir: true, sourcemap: false, rolldownOptions: { output: { codeSplitting: false } } },
});
const files = (dir) => readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => statSync(f).isFile());
for (const f of files(builds.before)) if (/\.(br|gz)$/.test(f)) rmSync(f);
if (readFileSync(path.join(builds.before, 'index.html'), 'utf8').includes('class="shell"')) throw new Error('the "before" build still has the static shell');
const jsCount = (dir) => files(dir).filter((f) => f.endsWith('.js')).length;
if (jsCount(builds.before) !== 1) throw new Error(`the "before" build has ${jsCount(builds.before)} scripts, not one bundle`);

// --- the real app and loopback server, one per build, on one fixture host
const { createApp, loadHost, startLoopback } = await importFromApp(
  path.join(work, 'app.mjs'),
  "export { createApp } from './electron/app'; export { loadHost } from './electron/host'; export { startLoopback } from './electron/rpc/loopback';",
);
const made = await makeHost(path.join(work, 'host'), { generations: 3 });
const hostFile = path.join(work, 'host.json');
writeFileSync(hostFile, JSON.stringify({ ...made.host, cacheDir: path.join(work, 'cache'), privilege: 'direct' }));
process.env.NIXOS_COMPANION_HOST = hostFile;
const app = await createApp(loadHost());
const servers = {};
for (const [name, dir] of Object.entries(builds)) servers[name] = await startLoopback({ router: app.router, events: app.ctx.events, rendererDir: dir });
const appUrl = (name) => `${servers[name].url}/?token=${servers[name].token}`;

// --- Chromium
const launch = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });

/** One page load: first contentful paint, the moment React's sidebar is in the page, bytes on the wire. */
async function load(page, url) {
  await page.goto(url, { waitUntil: 'commit' });
  const drawn = await (await page.waitForFunction(() => document.querySelector('nav[aria-label="Main"]') && performance.now(), null, { polling: 'raf', timeout: 30_000 })).jsonValue();
  const fcp = await (await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime, null, { timeout: 30_000 })).jsonValue();
  const bytes = await page.evaluate(() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce((n, e) => n + (e.transferSize || 0), 0));
  return { fcp, drawn, bytes };
}

const results = {};
const browser = await launch();
for (const name of Object.keys(builds)) results[name] = { cold: [], warm: [], first: null };
// the very first load of a fresh browser, per build (each in its own freshly started browser)
for (const name of Object.keys(builds)) {
  const b = await launch();
  const page = await (await b.newContext()).newPage();
  results[name].first = await load(page, appUrl(name));
  await b.close();
}
for (let i = 0; i < RUNS; i++) {
  // alternate the order so neither build always runs second
  for (const name of i % 2 ? ['now', 'before'] : ['before', 'now']) {
    const context = await browser.newContext();
    const page = await context.newPage();
    results[name].cold.push(await load(page, appUrl(name)));
    results[name].warm.push(await load(page, appUrl(name)));
    await context.close();
  }
}
await browser.close();
for (const s of Object.values(servers)) await s.close();
await app.dispose?.();

// --- report
const med = (xs, key) => median(xs.map((x) => x[key]));
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const row = (label, f) => console.log(`${label.padEnd(34)}${['before', 'now'].map((n) => f(results[n]).padStart(12)).join('')}${(() => {
  const [b, a] = ['before', 'now'].map((n) => parseFloat(f(results[n])) * (f(results[n]).endsWith(' s') ? 1000 : 1));
  return `   ${(b / a).toFixed(1)}x`;
})()}`);
console.log(`first paint, Chromium ${browser.version()}, ${RUNS} runs each (median), fixture NixOS host, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
console.log(`${''.padEnd(34)}${'before'.padStart(12)}${'now'.padStart(12)}   before/now`);
row('first paint, first load', (r) => fmt(r.first.fcp));
row('first paint, cold', (r) => fmt(med(r.cold, 'fcp')));
row('first paint, warm', (r) => fmt(med(r.warm, 'fcp')));
row('app drawn, first load', (r) => fmt(r.first.drawn));
row('app drawn, cold', (r) => fmt(med(r.cold, 'drawn')));
row('app drawn, warm', (r) => fmt(med(r.warm, 'drawn')));
row('bytes transferred, cold', (r) => kib(med(r.cold, 'bytes')));
const initialJs = (dir) => {
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
  return [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.js)"/g)].reduce((n, m) => n + statSync(path.join(dir, m[1])).size, 0);
};
console.log(`scripts loaded before the first page (uncompressed): before ${kib(initialJs(builds.before))}, now ${kib(initialJs(builds.now))}`);
const warm = med(results.now.warm, 'fcp');
console.log(`goal: first paint <= ${GOAL_MS} ms warm: ${warm <= GOAL_MS ? 'met' : 'NOT met'} (${fmt(warm)})`);
