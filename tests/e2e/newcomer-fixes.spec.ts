import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeSystemHost, NIX_CONFIG, type SystemHost } from '../fixtures/system-host';
import { startServe, type Served } from './serve';

/**
 * What a newcomer met in a walkthrough, driven as they would in Chromium against the served app on the
 * fixture host: the configuration editor after a syntax error, where a missing `;` is reported, and how the
 * inline error reads, in light and dark, at a laptop's size and a small window's.
 */

const shots = path.resolve(import.meta.dirname, '../../test-results/newcomer-fixes');
mkdirSync(shots, { recursive: true });

const sizes = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '900x600', width: 900, height: 600 },
] as const;
const schemes = ['light', 'dark'] as const;

/** `show` puts the page into the state worth looking at (after each resize and colour change). */
async function screenshots(page: Page, name: string, show: () => Promise<void>) {
  for (const size of sizes) {
    for (const scheme of schemes) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme: scheme });
      await show();
      await page.screenshot({ path: path.join(shots, `${name}-${size.name}-${scheme}.png`) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

test.describe('the configuration editor', () => {
  let host: SystemHost;
  let served: Served;
  let original: string;

  test.beforeAll(async () => {
    host = await makeSystemHost({ generations: 1 });
    original = readFileSync(host.configFile, 'utf8');
    served = await startServe({ hostFile: host.hostFile, env: { NIX_CONFIG } });
  });
  test.afterAll(async () => served?.stop());
  test.afterEach(() => writeFileSync(host.configFile, original));

  /** How far the editor's text is scrolled sideways, and whether anything is wider than the editor. */
  const scroller = (page: Page) =>
    page.locator('.cm-scroller').evaluate((s) => ({ left: s.scrollLeft, top: s.scrollTop, hiddenWidth: s.scrollWidth - s.clientWidth }));

  test('after a syntax error and Undo changes, every line shows from its first character', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/config`);
    await page.locator('.cm-line', { hasText: 'networking.networkmanager.enable' }).click();
    await page.keyboard.press('End');
    // a long mistake typed at the end of a line (no `;`): the line grows past the editor's right edge
    await page.keyboard.type(' services.foo = "a long value that reaches well past the right edge of the editor here"');
    await expect(page.getByTestId('parse-errors')).toBeVisible();
    // long lines wrap: nothing is hidden to the right, so nothing scrolls sideways
    expect((await scroller(page)).hiddenWidth).toBeLessThanOrEqual(1);

    await page.getByRole('button', { name: 'Undo changes' }).click();
    await expect(page.getByTestId('parse-errors')).toBeHidden();
    await page.locator('.cm-line', { hasText: 'boot.loader.systemd-boot.enable' }).click({ position: { x: 20, y: 5 } });
    const after = await scroller(page);
    expect(after.left).toBe(0);
    expect(after.hiddenWidth).toBeLessThanOrEqual(1);
    // the first character of a line at the left edge is on screen, right of the line numbers
    const gutter = (await page.locator('.cm-gutters').boundingBox())!;
    const brace = (await page.locator('.cm-line').filter({ hasText: /^\{$/ }).first().boundingBox())!;
    expect(brace.x).toBeGreaterThanOrEqual(gutter.x + gutter.width - 1);
    await expect(page.locator('.cm-content')).toContainText('{ config, lib, pkgs, ... }:');
  });

  test('a missing `;` is reported at the end of the line that lacks it, in a tooltip that reads well', async ({ page }) => {
    // line 17 lost its `;`; Nix stops at the `=` of line 18
    writeFileSync(host.configFile, original.replace('networking.hostName = "nixbox"; #', 'networking.hostName = "nixbox" #'));
    await page.goto(`${served.appUrl}#/system/config`);
    const errors = page.getByTestId('parse-errors');
    await expect(errors).toHaveText('Line 17 is missing a ; at its end (Nix stopped at = on line 18).');
    await expect(errors.locator('code').first()).toHaveText(';');

    // the mark sits on line 17, on the last character before the comment
    const line17 = page.locator('.cm-line').nth(16);
    await expect(line17).toContainText('networking.hostName = "nixbox" # Define your hostname.');
    const mark = line17.locator('.cm-lintRange-error');
    await expect(mark).toHaveText('"');
    await expect(page.locator('.cm-line').nth(17).locator('.cm-lintRange-error')).toHaveCount(0);

    // the error list takes the cursor there
    await errors.getByRole('button').click();
    await expect(page.locator('.cm-activeLine')).toContainText('networking.hostName = "nixbox"');

    const tooltip = page.locator('.cm-tooltip-lint');
    const hover = async () => {
      await page.mouse.move(0, 0);
      await mark.scrollIntoViewIfNeeded();
      await mark.hover();
      await expect(tooltip).toBeVisible();
    };
    await hover();
    await expect(tooltip).toHaveText('Line 17 is missing a ; at its end (Nix stopped at = on line 18).');
    // the app's padding, font and width, not CodeMirror's bare default
    const look = await tooltip.locator('.cm-diagnostic').evaluate((d) => {
      const s = getComputedStyle(d);
      return { padding: s.paddingLeft, font: s.fontFamily, width: d.getBoundingClientRect().width };
    });
    expect(look.padding).toBe('12px');
    expect(look.font).not.toMatch(/mono/i);
    expect(look.width).toBeLessThanOrEqual(440);
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      await hover();
      const colours = await tooltip.locator('.cm-diagnostic').evaluate((d) => ({ fg: getComputedStyle(d).color, bg: getComputedStyle(d).backgroundColor }));
      // dark text on a light ground in light mode, light on dark in dark mode
      const lum = (c: string) => { const [r, g, b] = c.match(/\d+/g)!.map(Number); return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!; };
      if (scheme === 'dark') expect(lum(colours.fg)).toBeGreaterThan(lum(colours.bg) + 100);
      else expect(lum(colours.bg)).toBeGreaterThan(lum(colours.fg) + 100);
    }
    await screenshots(page, 'editor-missing-semicolon', hover);
  });
});
