import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeWriteHost, NIX_CONFIG, type WriteHost } from '../integration/system-write-host';
import { startServe, type Served } from './serve';

/** The write side of the System page driven as a person would, on a host with real nix generations. */
let host: WriteHost;
let served: Served;

test.beforeAll(async () => {
  host = makeWriteHost();
  served = await startServe({ hostFile: host.hostFile, env: { NIX_CONFIG } });
});
test.afterAll(async () => {
  await served?.stop();
});

test('rebuild with visible progress, a preview, and the new generation active', async ({ page }) => {
  writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('three', '6.7.0'));
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await page.getByRole('radio', { name: /Switch/ }).check();
  await page.getByTestId('rebuild-start').click();
  const progress = page.getByTestId('build-progress');
  await expect(progress).toBeVisible();
  // real builds counted from nix's internal-json: package, sw, toplevel (and the kernel the first time)
  await expect(page.getByTestId('counter-builds')).toContainText(/([3-9])\s*\/\s*\1/);
  const dialog = page.getByTestId('preview-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('The kernel changes');
  await expect(dialog).toContainText('6.6.1 → 6.7.0');
  await dialog.getByRole('button', { name: 'Activate', exact: true }).click();
  await expect(page.getByText('Generation 3 is active.')).toBeVisible();
  await expect(progress).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('job-log')).toContainText(`hello-${host.label('three')}> building hello-${host.label('three')}`);
  expect(host.currentGeneration()).toBe(3);
  // the log is searchable
  await page.getByRole('searchbox', { name: /Search the log/ }).fill('done switch');
  await expect(page.getByTestId('job-log-count')).toContainText(/^1 of \d+ lines/);
});

test('a broken configuration shows the Nix error with a link that opens the editor at that line', async ({ page }) => {
  const file = path.join(host.configDir, 'configuration.nix');
  writeFileSync(file, '{ config, pkgs, ... }:\n{\n  system.label = "broken";\n  boot.kernelVersion = "6.6.1"\n  environment.packages = [ ];\n}\n');
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await page.getByRole('radio', { name: /^Build/ }).check();
  await page.getByTestId('rebuild-start').click();
  const error = page.getByTestId('nix-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText("syntax error, unexpected '='");
  const link = page.getByTestId('nix-error-link');
  await expect(link).toContainText(`${file}:5:24`);
  await link.click();
  await expect(page).toHaveURL(/#\/system\/config\/configuration\.nix:5$/);
  await expect(page.getByTestId('nix-editor')).toBeVisible();
  await expect(page.locator('.cm-activeLine')).toContainText('environment.packages = [ ];');
  // the same error inline, from nix-instantiate --parse
  await expect(page.getByTestId('parse-errors')).toContainText("Line 5, column 24: syntax error, unexpected '='");
  writeFileSync(file, host.config('three', '6.7.0'));
});

test('roll back from the generation list, after a confirmation that warns about the kernel', async ({ page }) => {
  await page.goto(`${served.appUrl}#/system/generations`);
  const actions = page.getByTestId('generation-actions-2');
  await expect(actions).toBeVisible();
  await actions.getByTestId('rollback-button').click();
  const dialog = page.getByTestId('activation-dialog');
  await expect(dialog).toContainText('Roll back to generation 2?');
  await expect(dialog.getByTestId('kernel-warning')).toContainText('Running 6.7.0, generation 2 has 6.6.1');
  await dialog.getByTestId('activation-confirm').click();
  await expect(page).toHaveURL(/#\/system\/rebuild$/);
  await expect(page.getByTestId('build-progress')).toHaveAttribute('data-status', 'done');
  expect(host.currentGeneration()).toBe(2);
  expect(host.activations().at(-1)).toMatch(/^switch .*fixture-two/);
});
