import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
// @ts-expect-error plain ESM fixture script without types
import { homeNix, makeGeneration, makeHomeEnv, serveChannel, standinHomeManager } from '../fixtures/home/make-home-env.mjs';
// @ts-expect-error plain ESM fixture script without types
import { writePackagesJsonBr } from '../fixtures/search/make-packages.mjs';
import { startServe, type Served } from './serve';

/**
 * The Home Manager page against the real app (`npm run serve`), real nix-channel, nix-shell and nix
 * profiles; the home-manager command is the stand-in (tests/fixtures/home/bin/home-manager). The
 * search feature has a package list (real nixpkgs attribute names) for the form's package picker.
 */
const pickerPackages = ['ripgrep', 'ripgrep-all', 'hello', 'jq', 'htop', 'python312Packages.requests', 'python312Packages.requests-mock', 'python313Packages.requests'];

test.describe('Home Manager: from not installed to a first switch, then a rollback', () => {
  let served: Served;
  let server: Awaited<ReturnType<typeof serveChannel>>;
  let fix: ReturnType<typeof makeHomeEnv>;

  test.beforeAll(async () => {
    fix = makeHomeEnv();
    server = await serveChannel(fix.root, ['release-24.11']);
    // a new user's home already has a .bashrc from the distribution
    writeFileSync(path.join(fix.home, '.bashrc'), '# from the distribution\n');
    const packagesJsonFile = path.join(fix.root, 'packages.json.br');
    writePackagesJsonBr(packagesJsonFile, { names: pickerPackages });
    served = await startServe({ host: { ...fix.host, homeManagerArchiveBaseUrl: server.baseUrl, packagesJsonFile, cacheDir: path.join(fix.root, 'cache') }, env: fix.env });
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
    // packages: picked from the search feature's list as you type, or typed in full
    await expect(page.getByTestId('package-source')).toContainText('Type to search', { timeout: 30_000 });
    const picker = page.getByRole('combobox', { name: 'Add a package' });
    await picker.pressSequentially('ripgr', { delay: 30 });
    const suggestions = page.getByTestId('package-suggestions');
    await expect(suggestions.getByRole('option', { name: /^ripgrep\b/ }).first()).toContainText('Utility that combines the usability of The Silver Searcher');
    await suggestions.getByRole('option').filter({ hasText: /^ripgrep14/ }).click();
    await expect(page.getByTestId('package-chip-ripgrep')).toBeVisible();
    await expect(picker).toHaveValue('');
    await picker.pressSequentially('python312Packages.requests', { delay: 10 });
    await expect(suggestions.getByRole('option').first()).toContainText('python312Packages.requests');
    await picker.press('ArrowDown');
    await picker.press('ArrowUp');
    await picker.press('Enter');
    await expect(page.getByTestId('package-chip-python312Packages.requests')).toBeVisible();
    // typed in full: a name, a misspelt one (marked), and something that is not a name at all
    await picker.pressSequentially('hello,', { delay: 10 });
    await picker.pressSequentially('ripgrepp', { delay: 10 });
    await picker.press(',');
    await expect(page.getByTestId('package-chip-ripgrepp')).toHaveClass(/unknown/);
    await page.getByRole('button', { name: 'Remove ripgrepp' }).click();
    await expect(page.getByTestId('package-chip-ripgrepp')).toHaveCount(0);
    await picker.fill('rm -rf');
    await picker.press('Enter');
    await expect(page.getByText('“-rf” is not a package name')).toBeVisible();
    await picker.fill('jq');
    await picker.press(',');
    await expect(page.getByText('is not a package name')).toHaveCount(0);
    await expect(page.getByTestId('package-chips').getByRole('listitem')).toHaveText(['ripgrep×', 'python312Packages.requests×', 'hello×', 'rm×', 'jq×']);
    await page.getByRole('button', { name: 'Remove rm' }).click();
    await page.getByTestId('form-git').check();
    await page.getByTestId('form-git-name').fill('Alice Liddell');
    await page.getByTestId('form-git-email').fill('alice@example.org');
    const preview = page.getByTestId('home-preview');
    await expect(preview).toContainText('userName = "Alice Liddell";');
    await expect(preview).toContainText('home.stateVersion = "24.11";');
    await expect(preview).toContainText('programs.bash.enable = true;');
    await page.getByTestId('form-use').click();
    await expect(page.getByText(`Saved to ${fix.host.homeManagerConfig}`)).toBeVisible();
    expect(readFileSync(fix.host.homeManagerConfig, 'utf8')).toMatch(/home\.packages = with pkgs; \[\n\s+hello\n\s+jq\n\s+python312Packages\.requests\n\s+ripgrep\n\s+\];/);

    // 2. install: the existing .bashrc is in the way of the first switch
    await page.getByTestId('setup-start').click();
    await expect(page.getByTestId('setup-step-install')).toHaveAttribute('data-state', 'failed', { timeout: 120_000 });
    await expect(page.getByTestId('setup-step-channel')).toHaveAttribute('data-state', 'done');
    await expect(page.getByTestId('setup-step-update')).toHaveAttribute('data-state', 'done');
    await expect(wizard.getByRole('alert')).toContainText(`in the way of Home Manager’s: ${path.join(fix.home, '.bashrc')}`);
    const bashrc = path.join(fix.home, '.bashrc');
    await expect(page.getByTestId('setup-clobbered').getByRole('listitem')).toHaveText([`${bashrc} → ${bashrc}.backup`]);
    await expect(page.getByTestId('setup-start')).toHaveCount(0); // one way to retry: the failed step's own buttons
    await page.getByTestId('setup-retry-backup').click();
    await expect(page.getByTestId('setup-step-relogin')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('setup-step-channel')).toHaveAttribute('data-state', 'skipped');
    await expect(page.getByText('Home Manager is installed.')).toBeVisible();
    await expect(page.getByTestId('setup-step-relogin')).toContainText('Your turn');
    await expect(page.getByTestId('setup-relogin-note')).toContainText('Log out and back in');
    await expect(page.getByTestId('setup-step-update')).toContainText('Done earlier');
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
    const picker = page.getByRole('combobox', { name: 'Add a package' });
    for (const name of ['ripgrep', 'hello', 'jq', 'htop']) {
      await picker.fill(name);
      await picker.press(',');
    }
    await expect(page.getByTestId('home-preview')).toContainText('htop');
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
    // the same Package / Before / After table as the system's: htop is new in generation 2
    await expect(page.getByTestId('home-diff').getByRole('row', { name: /htop/ })).toHaveText(/^htop\s*—\s*\S+/);

    const activationsBefore = readFileSync(path.join(fix.home, '.local/state/hm-standin-activations.log'), 'utf8').trim().split('\n').length;
    // Roll back shows what changes first, like the system's, and changes nothing until confirmed
    await page.getByTestId('home-rollback').click();
    const dialog = page.getByTestId('home-activation-dialog');
    await expect(dialog).toContainText('Roll back to generation 1?');
    await expect(dialog.getByTestId('home-activation-changes').getByRole('row', { name: /htop/ })).toHaveText(/^htop\s*\S+\s*—$/);
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-2-link');
    await dialog.getByTestId('home-activation-confirm').click();
    await expect(page.getByTestId('home-gen-1')).toContainText('current', { timeout: 60_000 });
    await expect(page.getByTestId('home-outcome')).toContainText('Rolled back to Home Manager generation 1.');
    await expect(page.getByTestId('home-undo')).toBeVisible();
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

test.describe('Home Manager form without a package list', () => {
  let served: Served;
  test.beforeAll(async () => {
    const fix = makeHomeEnv();
    served = await startServe({ host: { ...fix.host, cacheDir: path.join(fix.root, 'cache') }, env: fix.env });
  });
  test.afterAll(async () => served?.stop());

  test('names are typed, checked and previewed', async ({ page }) => {
    await page.goto(`${served.appUrl}#/home-manager`);
    await expect(page.getByTestId('package-source')).toContainText('Type package names as in nixpkgs');
    const picker = page.getByRole('combobox', { name: 'Add a package' });
    await picker.fill('ripgrep python312Packages.requests');
    await picker.press('Enter');
    await picker.fill('htop');
    await picker.blur();
    await expect(page.getByTestId('package-suggestions')).toHaveCount(0);
    await expect(page.getByTestId('package-chips').getByRole('listitem')).toHaveText(['ripgrep×', 'python312Packages.requests×', 'htop×']);
    await picker.fill('pkgs."bad"');
    await picker.press('Enter');
    await expect(page.getByRole('alert').filter({ hasText: 'is not a package name' })).toBeVisible();
    await expect(page.getByTestId('home-preview')).toContainText('python312Packages.requests');
    await expect(page.getByTestId('home-preview')).not.toContainText('bad');
  });
});

test.describe('Home Manager 25.11: a switch whose activation was refused', () => {
  let served: Served;
  let fix: ReturnType<typeof makeHomeEnv>;
  test.beforeAll(async () => {
    fix = makeHomeEnv({ hmVersion: '25.11', nixosVersion: '25.11.1032.0f2a5c3d7e91 (Xantusia)' });
    makeGeneration(fix, { packages: ['hello'] });
    writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello'], bash: true, stateVersion: '25.11' }));
    writeFileSync(path.join(fix.home, '.bashrc'), '# mine\n');
    served = await startServe({ host: { ...fix.host, commands: { ...fix.host.commands, 'home-manager': standinHomeManager }, cacheDir: path.join(fix.root, 'cache') }, env: fix.env });
  });
  test.afterAll(async () => served?.stop());

  test('says the profile records the new generation while the files are the old one’s, marks it, and rolls back', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(`${served.appUrl}#/home-manager`);
    await page.getByTestId('switch-start').click();
    const clobbered = page.getByTestId('switch-clobbered');
    await expect(clobbered).toContainText('The profile records generation 2, but your files are still generation 1’s', { timeout: 60_000 });
    await expect(clobbered.getByTestId('switch-roll-back')).toHaveText('Roll back to generation 1');
    await expect(page.getByTestId('home-current')).toHaveText('2');
    await clobbered.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(fix.root, 'hm-not-activated-overview.png') });

    await page.getByTestId('home-tab-generations').click();
    await expect(page.getByTestId('home-gen-2')).toContainText('recorded, not activated');
    await expect(page.getByTestId('home-gen-2')).not.toContainText('current');
    await expect(page.getByTestId('home-gen-1')).toContainText('your files');
    await expect(page.getByTestId('home-generations')).toContainText('Generation 2 is recorded as current, but it was never activated.');
    await page.screenshot({ path: path.join(fix.root, 'hm-not-activated-generations.png'), fullPage: true });
    await page.getByTestId('home-switch-to-1').click();
    await page.getByTestId('home-activation-confirm').click();
    await expect(page.getByTestId('home-gen-1')).toContainText('current', { timeout: 60_000 });
    await expect(page.getByTestId('home-gen-2')).not.toContainText('recorded, not activated');
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-1-link');
    expect(readFileSync(path.join(fix.home, '.bashrc'), 'utf8')).toBe('# mine\n');
  });

  test('Clean up offers old Home Manager generations by expire-generations’ rule, and says what nix-collect-garbage -d would add', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/cleanup`);
    const card = page.getByTestId('home-cleanup');
    await expect(card).toContainText('home-manager expire-generations "-30 days"');
    await card.getByTestId('home-cleanup-preview').click();
    const result = card.getByTestId('home-cleanup-result');
    await expect(result).toContainText('No Home Manager generation is dated');
    await expect(card.getByTestId('home-cleanup-beyond')).toContainText('home-manager: 2 (keeps 1)');
    await page.screenshot({ path: path.join(fix.root, 'hm-cleanup.png'), fullPage: true });
  });
});
