import { describe, expect, it } from 'vitest';
import { trayMenuSchema, type TrayEntry, type TrayLeaf, type TrayMenu } from '../../shared/contract/desktop';
import { shortDate, trayMenu, type TrayGeneration, type TrayState } from '../../electron/services/desktop/tray-model';

const day = (n: number) => new Date(Date.UTC(2025, 0, n, 12, 0)).toISOString();
const gens = (from: number, to: number, version = (n: number) => `25.05.${n}.abcdef`): TrayGeneration[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ generation: from + i, date: day(from + i), version: version(from + i) }));

function state(over: Partial<TrayState> & { system?: Partial<TrayState['system']> } = {}): TrayState {
  const system = { generations: gens(1, 1), current: 1, running: 1, booted: 1, ...over.system };
  return { home: null, runningJobs: [], ...over, system };
}

const leaves = (m: TrayMenu): TrayLeaf[] => m.items.filter((e): e is TrayLeaf => e.type === 'item');
const byId = (m: TrayMenu, id: string) => m.items.find((e) => e.type !== 'separator' && e.id === id) as Exclude<TrayEntry, { type: 'separator' }> | undefined;
const labels = (m: TrayMenu) => leaves(m).map((l) => l.label);

describe('trayMenu', () => {
  it('one generation: shows it, cannot roll back, lists it as current', () => {
    const m = trayMenu(state());
    expect(trayMenuSchema.safeParse(m).success).toBe(true);
    expect(byId(m, 'system-current')).toMatchObject({ label: `System: generation 1 (${shortDate(day(1))}, NixOS 25.05.1.abcdef)`, enabled: false });
    expect(byId(m, 'system-rollback')).toMatchObject({ label: 'Roll back: no older generation', enabled: false });
    expect((byId(m, 'system-rollback') as TrayLeaf).action).toBeUndefined();
    const sub = byId(m, 'system-generations');
    expect(sub?.type).toBe('submenu');
    if (sub?.type !== 'submenu') throw new Error('no submenu');
    expect(sub.items).toHaveLength(1);
    expect(sub.items[0]).toMatchObject({ checked: true, enabled: false, label: expect.stringContaining('(current)') });
    expect(labels(m)).toEqual(expect.arrayContaining(['Rebuild now', 'Open NixOS Companion', 'Quit']));
    expect(byId(m, 'home-current')).toBeUndefined();
    expect(m.tooltip).toBe('NixOS Companion: generation 1, NixOS 25.05.1.abcdef');
  });

  it('many generations: rollback names N-1 with its date and version; the submenu holds the last ten, newest first', () => {
    const m = trayMenu(state({ system: { generations: gens(1, 25), current: 25, running: 25, booted: 25 } }));
    expect(byId(m, 'system-rollback')).toMatchObject({
      label: `Roll back to 24 (${shortDate(day(24))}, NixOS 25.05.24.abcdef)`,
      enabled: true,
      action: { kind: 'rollback', profile: 'system', target: 24, expectedCurrent: 25 },
    });
    const sub = byId(m, 'system-generations');
    if (sub?.type !== 'submenu') throw new Error('no submenu');
    const numbers = sub.items.map((i) => (i.type === 'item' ? Number(i.label.split(' ')[0]) : null));
    expect(numbers).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(sub.items[1]).toMatchObject({ enabled: true, action: { kind: 'switch', profile: 'system', generation: 24, expectedCurrent: 25 } });
  });

  it('rolls back to the highest generation below the current one, not to the newest (current may be an old one, and numbers may have gaps)', () => {
    const generations = gens(1, 10).filter((g) => g.generation !== 6);
    const m = trayMenu(state({ system: { generations, current: 7, running: 7, booted: 7 } }));
    expect((byId(m, 'system-rollback') as TrayLeaf).label).toMatch(/^Roll back to 5 /);
    // and the action carries those same numbers, for the confirmation and the root helper to check
    expect((byId(m, 'system-rollback') as TrayLeaf).action).toEqual({ kind: 'rollback', profile: 'system', target: 5, expectedCurrent: 7 });
    const sub = byId(m, 'system-generations');
    if (sub?.type !== 'submenu') throw new Error('no submenu');
    expect(sub.items.find((i) => i.type === 'item' && i.checked)).toMatchObject({ label: expect.stringMatching(/^7 /) });
  });

  it('home-manager present: its own current line, rollback and submenu; absent: none of them', () => {
    const home = { generations: gens(1, 3, () => '25.05'), current: 3 };
    const withHome = trayMenu(state({ home }));
    expect(byId(withHome, 'home-current')).toMatchObject({ label: `Home: generation 3 (${shortDate(day(3))}, Home Manager 25.05)` });
    expect(byId(withHome, 'home-rollback')).toMatchObject({ enabled: true, action: { kind: 'rollback', profile: 'home' }, label: expect.stringMatching(/^Roll back home to 2 /) });
    const sub = byId(withHome, 'home-generations');
    if (sub?.type !== 'submenu') throw new Error('no submenu');
    expect(sub.items).toHaveLength(3);

    const without = trayMenu(state());
    expect(without.items.some((e) => e.type !== 'separator' && e.id.startsWith('home-'))).toBe(false);
  });

  it('a home generation without a version shows its date only', () => {
    const m = trayMenu(state({ home: { generations: gens(1, 2, () => null as unknown as string).map((g) => ({ ...g, version: null })), current: 2 } }));
    expect(byId(m, 'home-current')?.label).toBe(`Home: generation 2 (${shortDate(day(2))})`);
  });

  it('a running system job: shown, and every system-changing action disabled while home actions stay available', () => {
    const m = trayMenu(
      state({
        system: { generations: gens(1, 5), current: 5, running: 5, booted: 5 },
        home: { generations: gens(1, 2), current: 2 },
        runningJobs: [{ id: 'j1', title: 'Rebuild (switch)', group: 'system' }],
      }),
    );
    expect(byId(m, 'job-j1')).toMatchObject({ label: 'Running: Rebuild (switch)', enabled: false });
    expect(byId(m, 'system-rollback')?.enabled).toBe(false);
    expect(byId(m, 'rebuild')).toMatchObject({ enabled: false, label: 'Rebuild now (waiting for the running system job)' });
    const sub = byId(m, 'system-generations');
    if (sub?.type !== 'submenu') throw new Error('no submenu');
    expect(sub.items.every((i) => i.type !== 'item' || !i.enabled)).toBe(true);
    expect(byId(m, 'home-rollback')?.enabled).toBe(true);
    expect(m.tooltip).toMatch(/\(1 running\)$/);
  });

  it('a running job of another area is shown but blocks nothing', () => {
    const m = trayMenu(state({ system: { generations: gens(1, 2), current: 2, running: 2, booted: 2 }, runningJobs: [{ id: 'u', title: 'Write image to USB', group: 'other' }] }));
    expect(byId(m, 'job-u')?.label).toBe('Running: Write image to USB');
    expect(byId(m, 'system-rollback')?.enabled).toBe(true);
    expect(byId(m, 'rebuild')?.enabled).toBe(true);
  });

  it('running ≠ booted: says a reboot is needed; running ≠ boot default: says which starts next', () => {
    const m = trayMenu(state({ system: { generations: gens(1, 4), current: 4, running: 4, booted: 2 } }));
    expect(byId(m, 'system-booted')?.label).toBe("Booted generation 2: reboot to load the running system's kernel");
    expect(byId(m, 'system-running')).toBeUndefined();

    const afterRollbackWithoutSwitch = trayMenu(state({ system: { generations: gens(1, 4), current: 3, running: 4, booted: 4 } }));
    expect(byId(afterRollbackWithoutSwitch, 'system-running')?.label).toBe('Running generation 4; generation 3 starts at the next boot');
    expect(byId(afterRollbackWithoutSwitch, 'system-booted')).toBeUndefined();

    const outside = trayMenu(state({ system: { generations: gens(1, 2), current: 2, running: 0, booted: 2 } }));
    expect(byId(outside, 'system-running')?.label).toBe('Running a system outside the profile; generation 2 starts at the next boot');
  });

  it('no system profile (not NixOS): no rollback, no rebuild, still Open and Quit', () => {
    const m = trayMenu(state({ system: { generations: [], current: null, running: null, booted: null } }));
    expect(byId(m, 'system-current')?.label).toBe('System: no generations yet');
    expect(byId(m, 'system-rollback')).toBeUndefined();
    expect(byId(m, 'rebuild')?.enabled).toBe(false);
    expect(byId(m, 'open')).toMatchObject({ enabled: true, action: { kind: 'open' } });
    expect(byId(m, 'quit')).toMatchObject({ enabled: true, action: { kind: 'quit' } });
  });

  it('is a pure function: the same state gives the same menu', () => {
    const s = state({ system: { generations: gens(1, 12), current: 12, running: 12, booted: 11 }, home: { generations: gens(1, 2), current: 2 } });
    expect(trayMenu(s)).toEqual(trayMenu(structuredClone(s)));
  });
});
