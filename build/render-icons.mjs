// Renders build/icons/nixos-companion.svg to the PNG sizes desktops and electron-builder look for
// (build/icons/<N>x<N>.png), with Debian's Chromium through Playwright. Run after changing the SVG:
//   node build/render-icons.mjs
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const dir = path.join(import.meta.dirname, 'icons');
const svg = readFileSync(path.join(dir, 'nixos-companion.svg'), 'utf8');

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  for (const size of ICON_SIZES) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const sized = svg.replace('width="512" height="512"', `width="${size}" height="${size}"`);
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`);
    await page.screenshot({ path: path.join(dir, `${size}x${size}.png`), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
  }
} finally {
  await browser.close();
}
console.error(`rendered ${ICON_SIZES.length} icons into ${dir}`);
