import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trayMenuSchema, type TrayEntry } from '../../shared/contract/desktop';
import { lowPriority, onBattery, updateHeadline } from '../../electron/services/system/background-update';
import { trayMenu, type TrayState } from '../../electron/services/desktop/tray-model';

/** A /sys/class/power_supply tree as Linux lays it out: one folder per supply with type, online, status. */
function supplies(list: Record<string, Record<string, string>>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-power-'));
  for (const [name, files] of Object.entries(list)) {
    mkdirSync(path.join(dir, name));
    for (const [file, value] of Object.entries(files)) writeFileSync(path.join(dir, name, file), `${value}\n`);
  }
  return dir;
}

describe('onBattery', () => {
  it('a laptop on its charger is not on battery', async () => {
    expect(await onBattery(supplies({ AC: { type: 'Mains', online: '1' }, BAT0: { type: 'Battery', status: 'Charging' } }))).toBe(false);
    // a full battery says "Full" or "Not charging" while plugged in
    expect(await onBattery(supplies({ ACAD: { type: 'Mains', online: '1' }, BAT1: { type: 'Battery', status: 'Not charging' } }))).toBe(false);
  });
  it('unplugged: on battery', async () => {
    expect(await onBattery(supplies({ AC: { type: 'Mains', online: '0' }, BAT0: { type: 'Battery', status: 'Discharging' } }))).toBe(true);
    // a charger that is offline beside a battery that does not say (some firmware reports "Unknown")
    expect(await onBattery(supplies({ AC: { type: 'Mains', online: '0' }, BAT0: { type: 'Battery', status: 'Unknown' } }))).toBe(true);
  });
  it('a USB-C charger counts as mains power', async () => {
    expect(await onBattery(supplies({ 'ucsi-source-psy-USBC000:001': { type: 'USB', online: '1' }, BAT0: { type: 'Battery', status: 'Discharging' } }))).toBe(false);
  });
  it('a battery discharging with no charger listed is on battery; a desktop with no supplies, or only a mouse battery charging, is not', async () => {
    expect(await onBattery(supplies({ BAT0: { type: 'Battery', status: 'Discharging' } }))).toBe(true);
    expect(await onBattery(supplies({}))).toBe(false);
    expect(await onBattery(path.join(os.tmpdir(), 'nc-no-such-power-dir'))).toBe(false);
    expect(await onBattery(supplies({ 'hidpp_battery_0': { type: 'Battery', status: 'Charging' } }))).toBe(false);
    // a wireless mouse running down its own battery on a desktop
    expect(await onBattery(supplies({ 'hidpp_battery_1': { type: 'Battery', scope: 'Device', status: 'Discharging' } }))).toBe(false);
  });
});

describe('updateHeadline', () => {
  it('counts packages and names the kernel change', () => {
    expect(updateHeadline(12, { from: '6.6.64', to: '6.6.67', changes: true })).toBe('An update is ready: 12 packages change, kernel 6.6.64 → 6.6.67');
    expect(updateHeadline(1, { from: '6.6.64', to: '6.6.64', changes: false })).toBe('An update is ready: 1 package changes');
    expect(updateHeadline(0, { from: null, to: null, changes: false })).toBe('An update is ready: no package changes its version');
  });
});

describe('lowPriority', () => {
  it('puts nice -n 19 and ionice -c3 in front where they exist', () => {
    const argv = lowPriority(['nixos-rebuild', 'build']);
    expect(argv.slice(-2)).toEqual(['nixos-rebuild', 'build']);
    // Debian has both (coreutils, util-linux)
    expect(argv.slice(0, 5)).toEqual(['nice', '-n', '19', 'ionice', '-c3']);
  });
});

describe('the tray menu with an update ready', () => {
  const base: TrayState = { system: { generations: [{ generation: 1, date: new Date().toISOString(), version: '24.11' }], current: 1, running: 1, booted: 1 }, home: null, runningJobs: [] };
  const update = (m: ReturnType<typeof trayMenu>) => m.items.find((e): e is Extract<TrayEntry, { type: 'submenu' }> => e.type === 'submenu' && e.id === 'update');
  it('shows "Update ready…" with the headline and the two ways to apply it', () => {
    const m = trayMenu({ ...base, update: { id: '0123456789abcdef', headline: 'An update is ready: 3 packages change' } });
    expect(trayMenuSchema.safeParse(m).success).toBe(true);
    expect(update(m)).toMatchObject({
      label: 'Update ready…',
      items: [
        { id: 'update-headline', label: 'An update is ready: 3 packages change', enabled: false },
        { id: 'update-switch', enabled: true, action: { kind: 'update', id: '0123456789abcdef', action: 'switch' } },
        { id: 'update-boot', enabled: true, action: { kind: 'update', id: '0123456789abcdef', action: 'boot' } },
      ],
    });
  });
  it('not while a system job runs, and not at all without an update', () => {
    const busy = trayMenu({ ...base, update: { id: '0123456789abcdef', headline: 'x' }, runningJobs: [{ id: 'j', title: 'Rebuild (switch)', group: 'system' }] });
    expect(update(busy)!.items.filter((i) => i.type === 'item' && i.action).every((i) => i.type === 'item' && !i.enabled)).toBe(true);
    expect(update(trayMenu(base))).toBeUndefined();
  });
});
