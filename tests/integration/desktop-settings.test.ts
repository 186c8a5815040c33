import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWindowBounds, saveWindowBounds } from '../../electron/services/desktop/settings';
import { setLaunchCommand } from '../../electron/services/desktop/launch';
import { tempDir, testApp } from '../helpers/app';

/** Desktop settings through the real router: the XDG autostart entry on disk (checked by desktop-file-validate), close-to-tray, window bounds. */

let dir: string;
let app: Awaited<ReturnType<typeof testApp>>;

beforeAll(async () => {
  dir = tempDir('nc-desk-');
  app = await testApp({ autostartDir: path.join(dir, 'autostart'), configDir: path.join(dir, 'config'), systemProfile: path.join(dir, 'none/system') });
});

afterAll(async () => {
  await app?.dispose();
});

describe('start at login', () => {
  const file = () => path.join(dir, 'autostart/org.nixos.companion.desktop');

  it('is off by default, and no entry exists', async () => {
    expect(await app.call('desktop.settings.get', {})).toEqual({ closeToTray: false, startAtLogin: false, autostartFile: file(), backgroundUpdates: false, updateSchedule: 'daily' });
    expect(existsSync(file())).toBe(false);
  });

  it('turning it on writes an XDG autostart entry that desktop-file-validate accepts and that starts the app in the tray', async () => {
    setLaunchCommand(app.ctx, ['/home/ada/Apps/NixOS Companion.AppImage']);
    const events: unknown[] = [];
    const off = app.ctx.events.on((e) => events.push(e));
    const settings = await app.call('desktop.settings.set', { startAtLogin: true });
    off();
    expect(settings.startAtLogin).toBe(true);
    const text = readFileSync(file(), 'utf8');
    expect(text).toMatch(/^Exec="\/home\/ada\/Apps\/NixOS Companion\.AppImage" --hidden$/m);
    const r = spawnSync('desktop-file-validate', [file()], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(events).toContainEqual({ topic: 'changed', what: 'settings', detail: { area: 'desktop' } });
  });

  it('turning it off removes the entry', async () => {
    expect((await app.call('desktop.settings.set', { startAtLogin: false })).startAtLogin).toBe(false);
    expect(existsSync(file())).toBe(false);
  });

  it('follows the file: an entry removed by hand (or by the desktop’s own settings) reads as off', async () => {
    await app.call('desktop.settings.set', { startAtLogin: true });
    rmSync(file());
    expect((await app.call('desktop.settings.get', {})).startAtLogin).toBe(false);
  });

  it('refuses unknown settings and wrong types (the renderer is untrusted)', async () => {
    expect((await app.callError('desktop.settings.set', { startAtLogin: 'yes' })).code).toBe('invalid-params');
    expect((await app.callError('desktop.settings.set', { autostartFile: '/etc/evil' })).code).toBe('invalid-params');
  });
});

describe('close to tray and window bounds', () => {
  it('close-to-tray is remembered in the config dir', async () => {
    await app.call('desktop.settings.set', { closeToTray: true });
    expect(JSON.parse(readFileSync(path.join(dir, 'config/desktop.json'), 'utf8')).closeToTray).toBe(true);
    expect((await app.call('desktop.settings.get', {})).closeToTray).toBe(true);
  });

  it('background updates and their schedule are remembered beside it; one change keeps the others', async () => {
    await app.call('desktop.settings.set', { backgroundUpdates: true, updateSchedule: 'weekly' });
    expect(JSON.parse(readFileSync(path.join(dir, 'config/desktop.json'), 'utf8'))).toMatchObject({ closeToTray: true, backgroundUpdates: true, updateSchedule: 'weekly' });
    await app.call('desktop.settings.set', { backgroundUpdates: false });
    expect(await app.call('desktop.settings.get', {})).toMatchObject({ closeToTray: true, backgroundUpdates: false, updateSchedule: 'weekly' });
    expect((await app.callError('desktop.settings.set', { updateSchedule: 'hourly' })).code).toBe('invalid-params');
  });

  it('window bounds are remembered next to it, and a damaged file falls back to defaults', async () => {
    await saveWindowBounds(app.ctx.host, { x: 40, y: 30, width: 1100, height: 760, maximized: false });
    expect(await loadWindowBounds(app.ctx.host)).toEqual({ x: 40, y: 30, width: 1100, height: 760, maximized: false });
    expect((await app.call('desktop.settings.get', {})).closeToTray).toBe(true);
    writeFileSync(path.join(dir, 'config/desktop.json'), '{ not json');
    expect(await loadWindowBounds(app.ctx.host)).toBeNull();
    expect((await app.call('desktop.settings.get', {})).closeToTray).toBe(false);
  });
});

describe('capabilities', () => {
  it('without the Electron shell (loopback mode) there is no tray, and the app says why', async () => {
    const caps = await app.call('desktop.capabilities', {});
    expect(caps).toMatchObject({ shell: 'loopback', tray: false, notifications: false });
    expect(caps.trayReason).toMatch(/browser/);
  });
});
