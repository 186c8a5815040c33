import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page, type Response } from '@playwright/test';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { startServe, type Served } from './serve';

/**
 * What makes the first paint fast, as behaviour (the timings are in tests/bench/first-paint.bench.mjs):
 * the window shows the app's shell before any script runs; the editor (CodeMirror) and the Markdown
 * renderer load only with the pages that use them; the served files come compressed.
 */
let served: Served;

test.beforeAll(async () => {
  const made = await makeHost(path.join(mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-paint-')), 'host'), { generations: 2 });
  served = await startServe({ hostFile: made.hostFile });
});
test.afterAll(async () => served?.stop());

/** Every script the page loads, with its text, as it arrives. */
function recordScripts(page: Page) {
  const scripts: { url: string; text: Promise<string>; encoding: string | undefined }[] = [];
  page.on('response', (res: Response) => {
    if (res.url().endsWith('.js')) scripts.push({ url: res.url(), text: res.text(), encoding: res.headers()['content-encoding'] });
  });
  return {
    scripts,
    /** the scripts loaded so far that contain this text */
    containing: async (needle: string) => (await Promise.all(scripts.map(async (s) => ((await s.text).includes(needle) ? s.url : null)))).filter(Boolean),
  };
}

test('the shell paints without any script: sidebar, brand and “Loading…” in the app’s colours', async ({ browser }) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ javaScriptEnabled: false, colorScheme });
    const page = await context.newPage();
    await page.goto(served.appUrl);
    await expect(page.getByRole('status')).toHaveText('Loading…');
    await expect(page.locator('.sidebar .brand-name')).toHaveText('NixOS Companion');
    // the app's stylesheet applies to the shell: the sidebar has the app's width and colours
    const sidebar = await page.locator('.sidebar').evaluate((el) => ({ width: el.getBoundingClientRect().width, background: getComputedStyle(el).backgroundColor }));
    expect(sidebar.width).toBe(232);
    expect(sidebar.background).toBe(colorScheme === 'light' ? 'rgb(240, 243, 249)' : 'rgb(22, 27, 37)');
    await context.close();
  }
});

test('the app replaces the shell, and Home loads neither the editor nor the Markdown renderer', async ({ page }) => {
  const loaded = recordScripts(page);
  await page.goto(served.appUrl);
  await expect(page.getByTestId('page-home')).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  expect(loaded.scripts.length).toBeGreaterThan(0);
  // CodeMirror's own class names and DOMPurify's name are in their code and nowhere else
  expect(await loaded.containing('cm-scroller')).toEqual([]);
  expect(await loaded.containing('DOMPurify')).toEqual([]);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'System', exact: true }).click();
  await page.getByRole('tab', { name: 'Generations' }).waitFor();
  expect(await loaded.containing('cm-scroller')).toEqual([]);
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await expect(page.locator('.cm-editor')).toBeVisible();
  expect(await loaded.containing('cm-scroller')).toHaveLength(1);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('combobox', { name: 'Search' })).toBeVisible();
  expect(await loaded.containing('DOMPurify')).toHaveLength(1);
});

test('scripts and the page arrive compressed (brotli) in Chromium, which asks for it', async ({ page }) => {
  const loaded = recordScripts(page);
  const res = await page.goto(served.appUrl);
  expect(res?.headers()['content-encoding']).toBe('br');
  await expect(page.getByTestId('page-home')).toBeVisible();
  expect(loaded.scripts.length).toBeGreaterThan(0);
  expect(loaded.scripts.map((s) => s.encoding)).toEqual(loaded.scripts.map(() => 'br'));
});
