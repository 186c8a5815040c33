import { execFileSync } from 'node:child_process';
import { mkdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, TrayLeaf, TrayMenu } from '../../shared/contract';
import { tempDir, testApp } from '../helpers/app';
import type { HostOverrides } from '../../electron/host';

/** tests/fixtures/make-host.mjs, typed for what this test uses (the fixture ships no declarations) */
const { makeHost, nixConfig } = (await import(new URL('../fixtures/make-host.mjs', import.meta.url).href)) as {
  makeHost(dir: string, opts: { generations?: number; homeManager?: boolean }): Promise<{ dir: string; hostFile: string; host: HostOverrides & { systemProfile: string; homeManagerProfile: string; currentSystem: string } }>;
  nixConfig: string;
};


/**
 * The profile watcher against real `nix-env`: generations added, deleted and rolled back outside the
 * app (as from a terminal) reach the EventBus as `changed` events, and `tray.menu` follows.
 */

let dir: string;
let profile: string;
let homeProfile: string;
/** the fixture's two system closures, generation order */
let closures: string[];
let app: Awaited<ReturnType<typeof testApp>>;
const events: AppEvent[] = [];

const nixEnvRun = (args: string[]) => execFileSync('nix-env', args, { env: { ...process.env, NIX_CONFIG: nixConfig }, stdio: ['ignore', 'ignore', 'pipe'] });
const byId = (m: TrayMenu, id: string) => m.items.find((e) => e.type !== 'separator' && e.id === id) as TrayLeaf | undefined;
const submenuNumbers = (m: TrayMenu, id: string) => {
  const sub = m.items.find((e) => e.type === 'submenu' && e.id === id);
  if (!sub || sub.type !== 'submenu') return [];
  return sub.items.map((i) => (i.type === 'item' ? Number(i.label.split(' ')[0]) : NaN));
};

/** Wait for the next `changed` event about `what` after `since` (index into events). */
async function changed(what: 'system-profile' | 'home-profile', since: number, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (events.slice(since).some((e) => e.topic === 'changed' && e.what === what)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no ${what} change event within ${timeoutMs} ms; saw ${JSON.stringify(events.slice(since))}`);
}

beforeAll(async () => {
  dir = tempDir('nc-watch-');
  // a fixture NixOS host with two real generations; home-manager not installed (its profile dir does not exist)
  const made = await makeHost(path.join(dir, 'host'), { generations: 2 });
  profile = made.host.systemProfile;
  homeProfile = made.host.homeManagerProfile;
  closures = [1, 2].map((g) => readlinkSync(`${profile}-${g}-link`));
  app = await testApp(made.host);
  app.ctx.events.on((e) => events.push(e));
  // let inotify watches attach
  await new Promise((r) => setTimeout(r, 300));
}, 240_000);

afterAll(async () => {
  await app?.dispose();
});

describe('profile watcher + tray model', () => {
  it('starts from the real profile: generation 2 current, rollback to 1, no home section', async () => {
    const menu = await app.call('tray.menu', {});
    expect(byId(menu, 'system-current')?.label).toMatch(/^System: generation 2 \(\d{4}-\d\d-\d\d \d\d:\d\d, NixOS \d\d\.\d\d\.[^)]+\)$/);
    expect(byId(menu, 'system-rollback')?.label).toMatch(/^Roll back to 1 \(\d{4}-\d\d-\d\d \d\d:\d\d, NixOS \d\d\.\d\d\.[^)]+\)$/);
    expect(byId(menu, 'home-current')).toBeUndefined();
  });

  it('sees a generation added by nix-env --set, and the menu changes', async () => {
    const since = events.length;
    nixEnvRun(['-p', profile, '--set', closures[0]!]);
    await changed('system-profile', since);
    const menu = await app.call('tray.menu', {});
    expect(byId(menu, 'system-current')?.label).toMatch(/^System: generation 3 /);
    expect(byId(menu, 'system-rollback')?.label).toMatch(/^Roll back to 2 /);
    expect(submenuNumbers(menu, 'system-generations')).toEqual([3, 2, 1]);
    // the running system is still generation 2: the menu says what boots next
    expect(byId(menu, 'system-running')?.label).toBe('Running generation 2; generation 3 starts at the next boot');
  });

  it('sees a generation removed by nix-env --delete-generations', async () => {
    const since = events.length;
    nixEnvRun(['-p', profile, '--delete-generations', '1']);
    await changed('system-profile', since);
    const menu = await app.call('tray.menu', {});
    expect(submenuNumbers(menu, 'system-generations')).toEqual([3, 2]);
  });

  it('sees nix-env --rollback: current goes back, and the rollback entry moves with it', async () => {
    const since = events.length;
    nixEnvRun(['-p', profile, '--rollback']);
    await changed('system-profile', since);
    const menu = await app.call('tray.menu', {});
    expect(byId(menu, 'system-current')?.label).toMatch(/^System: generation 2 /);
    expect(byId(menu, 'system-rollback')?.label).toBe('Roll back: no older generation');
    expect(byId(menu, 'system-running')).toBeUndefined();
  });

  it('sees /run/current-system change (a switch without a new generation)', async () => {
    const since = events.length;
    const link = path.join(dir, 'host/run/current-system');
    execFileSync('ln', ['-sfn', readlinkSync(`${profile}-3-link`), `${link}.tmp`]);
    execFileSync('mv', ['-T', `${link}.tmp`, link]);
    await changed('system-profile', since);
    const menu = await app.call('tray.menu', {});
    expect(byId(menu, 'system-running')?.label).toBe('Running generation 3; generation 2 starts at the next boot');
  });

  it('notices home-manager appearing later (its profile directory did not exist), then its generations', async () => {
    let since = events.length;
    mkdirSync(path.dirname(homeProfile), { recursive: true });
    nixEnvRun(['-p', homeProfile, '--set', closures[0]!]);
    // the missing directory is looked for again every few seconds
    await changed('home-profile', since, 15_000);
    let menu = await app.call('tray.menu', {});
    expect(byId(menu, 'home-current')?.label).toMatch(/^Home: generation 1 /);

    since = events.length;
    nixEnvRun(['-p', homeProfile, '--set', closures[1]!]);
    await changed('home-profile', since);
    menu = await app.call('tray.menu', {});
    expect(byId(menu, 'home-current')?.label).toMatch(/^Home: generation 2 /);
    expect(byId(menu, 'home-rollback')).toMatchObject({ enabled: true, action: { kind: 'rollback', profile: 'home' } });
  }, 30_000);

  it('one burst of nix-env changes makes one event, not one per file', async () => {
    const since = events.length;
    nixEnvRun(['-p', profile, '--set', closures[1]!]);
    await changed('system-profile', since);
    await new Promise((r) => setTimeout(r, 600));
    expect(events.slice(since).filter((e) => e.topic === 'changed' && e.what === 'system-profile')).toHaveLength(1);
  });
});
