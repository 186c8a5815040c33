import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
// @ts-expect-error plain ESM fixture script without types
import { makeHomeEnv, serveChannel } from '../fixtures/home/make-home-env.mjs';
import { startServe, type Served } from './serve';

/**
 * The Home Manager page against the real app (`npm run serve`), real nix-channel, nix-shell and nix
 * profiles; the home-manager command is the stand-in (tests/fixtures/home/bin/home-manager).
 */
test.describe('Home Manager: from not installed to a first switch, then a rollback', () => {
  let served: Served;
  let server: Awaited<ReturnType<typeof serveChannel>>;
  let fix: ReturnType<typeof makeHomeEnv>;

  test.beforeAll(async () => {
    fix = makeHomeEnv();
    server = await serveChannel(fix.root, ['release-24.11']);
    // a new user's home already has a .bashrc from the distribution
    writeFileSync(path.join(fix.home, '.bashrc'), '# from the distribution\n');
    served = await startServe({ host: { ...fix.host, homeManagerArchiveBaseUrl: server.baseUrl }, env: fix.env });
  });
  test.afterAll(async () => {
    await served?.stop();
    await server?.close();
  });

  const open = async (page: Page, tab = '') => {
    await page.goto(`${served.appUrl}#/home-manager${tab ? `/${tab}` : ''}`);
    await expect(page.getByTestId('page-home-manager')).toBeVisible();
  };

  test('the setup wizard installs the matching release and makes the first generation', async ({ page }) => {
    test.setTimeout(180_000);
    await open(page);
    const wizard = page.getByTestId('home-setup');
    await expect(wizard).toBeVisible();
    await expect(page.getByTestId('setup-system')).toHaveText('NixOS 24.11.716.5e4fbfb6b3de (Vicuna)');
    await expect(page.getByTestId('setup-branch')).toHaveValue('release-24.11');
    await expect(page.getByTestId('setup-start')).toBeDisabled();

    // 1. home.nix from the form, previewed and checked by real Nix
    await expect(page.getByTestId('form-username')).toHaveValue('alice');
    await expect(page.getByTestId('form-home')).toHaveValue(fix.home);
    await page.getByTestId('form-packages').fill('ripgrep hello');
    await page.getByTestId('form-git').check();
    await page.getByTestId('form-git-name').fill('Alice Liddell');
    await page.getByTestId('form-git-email').fill('alice@example.org');
    const preview = page.getByTestId('home-preview');
    await expect(preview).toContainText('userName = "Alice Liddell";');
    await expect(preview).toContainText('home.stateVersion = "24.11";');
    await expect(preview).toContainText('programs.bash.enable = true;');
    await page.getByTestId('form-use').click();
    await expect(page.getByText(`Saved to ${fix.host.homeManagerConfig}`)).toBeVisible();
    expect(readFileSync(fix.host.homeManagerConfig, 'utf8')).toContain('ripgrep');

    // 2. install: the existing .bashrc is in the way of the first switch
    await page.getByTestId('setup-start').click();
    await expect(page.getByTestId('setup-step-install')).toHaveAttribute('data-state', 'failed', { timeout: 120_000 });
    await expect(page.getByTestId('setup-step-channel')).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('setup-step-update')).toHaveAttribute('data-state', 'done');
    await expect(wizard.getByRole('alert')).toContainText(`in the way of Home Manager’s: ${path.join(fix.home, '.bashrc')}`);
    await page.getByTestId('setup-retry-backup').click();
    await expect(page.getByTestId('setup-step-relogin')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('setup-step-channel')).toHaveAttribute('data-state', 'skipped');
    await expect(page.getByText('Home Manager is installed.')).toBeVisible();
    await expect(page.getByText(/Log out and back in/)).toBeVisible();
    expect(readFileSync(path.join(fix.home, '.bashrc.backup'), 'utf8')).toBe('# from the distribution\n');
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-1-link');

    await page.getByTestId('setup-finish').click();
    await expect(page.getByTestId('home-status')).toBeVisible();
    await expect(page.getByTestId('home-current')).toHaveText('1');
    await expect(page.getByTestId('home-version')).toHaveText('24.11');
  });

  test('a change made from the form is switched to, then rolled back from the timeline', async ({ page }) => {
    test.setTimeout(180_000);
    await open(page, 'config');
    await expect(page.getByTestId('home-editor')).toBeVisible();
    await expect(page.locator('.cm-content')).toContainText('ripgrep');
    await page.getByRole('button', { name: 'Start over from the form' }).click();
    await page.getByTestId('form-packages').fill('ripgrep hello jq');
    await expect(page.getByTestId('home-preview')).toContainText('jq');
    await page.getByTestId('form-use').click();
    await expect(page.locator('.cm-content')).toContainText('jq');
    await page.getByTestId('editor-save-switch').click();

    await page.getByTestId('home-tab-overview').click();
    await expect(page.getByTestId('build-progress')).not.toHaveAttribute('data-status', 'running', { timeout: 120_000 });
    const failure = page.getByTestId('home-switch').getByRole('alert');
    if (await failure.count()) throw new Error(`switch failed: ${await failure.first().innerText()}`);
    await expect(page.getByTestId('build-progress')).toHaveAttribute('data-status', 'done');
    await expect(page.getByText('Switched to generation 2.')).toBeVisible();
    await expect(page.getByTestId('home-current')).toHaveText('2');

    await page.getByTestId('home-tab-generations').click();
    await expect(page.getByTestId('home-gen-2')).toContainText('current');
    await page.getByTestId('home-gen-1').getByRole('checkbox').check();
    await page.getByTestId('home-gen-2').getByRole('checkbox').check();
    await page.getByTestId('home-compare').click();
    await expect(page.getByTestId('home-diff')).toContainText('+ jq');

    const activationsBefore = readFileSync(path.join(fix.home, '.local/state/hm-standin-activations.log'), 'utf8').trim().split('\n').length;
    await page.getByTestId('home-rollback').click();
    await expect(page.getByTestId('home-gen-1')).toContainText('current', { timeout: 60_000 });
    await expect(page.getByText('Generation 1 is active.')).toBeVisible();
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-1-link');
    const activations = readFileSync(path.join(fix.home, '.local/state/hm-standin-activations.log'), 'utf8').trim().split('\n');
    expect(activations.length).toBe(activationsBefore + 1);
    expect(activations.at(-1)).toContain(readlinkSync(path.join(fix.profileDir, 'home-manager-1-link')));
    expect(existsSync(path.join(fix.home, '.bashrc'))).toBe(true);
  });

  test('news shows the unread items home-manager has for this configuration', async ({ page }) => {
    await open(page, 'news');
    await expect(page.getByTestId('home-news')).toContainText("A new module is available: 'editorconfig'.", { timeout: 30_000 });
    // home.nix no longer enables git (the form started over), so git's news item is not relevant
    await expect(page.getByTestId('home-news')).not.toContainText('programs.git.signing.key');
    await expect(page.getByTestId('home-news').getByText('new', { exact: true })).toHaveCount(1);
    await page.getByTestId('news-mark-read').click();
    await expect(page.getByTestId('news-mark-read')).toBeDisabled();
    await expect(page.getByTestId('home-news').getByText('new', { exact: true })).toHaveCount(0);
    expect(readFileSync(path.join(fix.home, '.local/share/home-manager/news-read-ids'), 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
