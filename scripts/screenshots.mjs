// Screenshots of every page of the running app, light and dark, at 1280×800 and 900×600.
// Usage: node scripts/screenshots.mjs <appUrl with ?token=...> [outDir] [hash ...]
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const [appUrl, outDir = 'test-results/screenshots', ...hashes] = process.argv.slice(2);
if (!appUrl) {
  console.error('usage: node scripts/screenshots.mjs <appUrl> [outDir] [#/area ...]');
  process.exit(2);
}
const pages = hashes.length ? hashes : ['#/home', '#/install', '#/system', '#/home-manager', '#/search', '#/learn'];
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
for (const colorScheme of ['light', 'dark']) {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 900, height: 600 }]) {
    const context = await browser.newContext({ colorScheme, viewport });
    const page = await context.newPage();
    await page.goto(appUrl);
    for (const hash of pages) {
      await page.evaluate((h) => (window.location.hash = h), hash);
      await page.waitForTimeout(700);
      const name = `${hash.replace(/^#\//, '').replace(/\//g, '-') || 'home'}-${colorScheme}-${viewport.width}.png`;
      await page.screenshot({ path: path.join(outDir, name) });
      console.log(path.join(outDir, name));
    }
    await context.close();
  }
}
await browser.close();
