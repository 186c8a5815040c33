import type { TrayEntry, TrayLeaf, TrayMenu } from '../../../shared/contract/desktop';
import { rollbackTargetOf } from '../../../shared/rollback';

/** One generation of a profile as the tray shows it. */
export interface TrayGeneration {
  generation: number;
  /** ISO date: the generation link's own mtime */
  date: string;
  /** NixOS version of a system closure, home-manager version of a home generation, when known */
  version: string | null;
}

export interface TrayProfile {
  /** ascending by number */
  generations: TrayGeneration[];
  /** the generation the profile points at (the boot default, for the system) */
  current: number | null;
}

export interface TrayState {
  system: TrayProfile & {
    /** generation of /run/current-system; 0 = a system that is not in the profile; null = unknown */
    running: number | null;
    /** generation of /run/booted-system, same conventions */
    booted: number | null;
  };
  /** null when home-manager is not installed */
  home: TrayProfile | null;
  runningJobs: { id: string; title: string; group: 'system' | 'home' | 'other' }[];
  /** an update prepared in the background, waiting for a yes (system.updates) */
  update?: { id: string; headline: string } | null;
}

const SUBMENU_SIZE = 10;
const MAX_JOB_LINES = 3;

const pad = (n: number) => String(n).padStart(2, '0');
/** Local date and time, short and sortable: 2025-03-14 09:26 */
export function shortDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'unknown date';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function describe(g: TrayGeneration, prefix: string): string {
  const version = g.version ? `, ${prefix}${g.version}` : '';
  return `${shortDate(g.date)}${version}`;
}

const info = (id: string, label: string): TrayLeaf => ({ type: 'item', id, label, enabled: false });

/** The generation `nix-env --rollback` goes to (shared/rollback.ts). */
export function rollbackTarget(profile: TrayProfile): TrayGeneration | null {
  const target = rollbackTargetOf(profile.generations.map((g) => g.generation), profile.current);
  return profile.generations.find((g) => g.generation === target) ?? null;
}

function profileSection(kind: 'system' | 'home', profile: TrayProfile, busy: boolean): TrayEntry[] {
  const versionPrefix = kind === 'system' ? 'NixOS ' : 'Home Manager ';
  const name = kind === 'system' ? 'System' : 'Home';
  const current = profile.generations.find((g) => g.generation === profile.current) ?? null;
  const entries: TrayEntry[] = [];
  if (!current) {
    entries.push(info(`${kind}-current`, profile.generations.length ? `${name}: the profile points at no generation` : `${name}: no generations yet`));
    return entries;
  }
  entries.push(info(`${kind}-current`, `${name}: generation ${current.generation} (${describe(current, versionPrefix)})`));

  const target = rollbackTarget(profile);
  const rollbackLabel = kind === 'system' ? 'Roll back' : 'Roll back home';
  entries.push(
    target
      ? {
          type: 'item',
          id: `${kind}-rollback`,
          label: `${rollbackLabel} to ${target.generation} (${describe(target, versionPrefix)})`,
          enabled: !busy,
          action: { kind: 'rollback', profile: kind, target: target.generation, expectedCurrent: current.generation },
        }
      : info(`${kind}-rollback`, `${rollbackLabel}: no older generation`),
  );

  const recent = [...profile.generations].reverse().slice(0, SUBMENU_SIZE);
  entries.push({
    type: 'submenu',
    id: `${kind}-generations`,
    label: kind === 'system' ? 'System generations' : 'Home generations',
    enabled: recent.length > 0,
    items: recent.map((g) => {
      const isCurrent = g.generation === profile.current;
      return {
        type: 'item',
        id: `${kind}-generation-${g.generation}`,
        label: `${g.generation} · ${describe(g, versionPrefix)}${isCurrent ? ' (current)' : ''}`,
        enabled: !busy && !isCurrent,
        checked: isCurrent,
        ...(isCurrent ? {} : { action: { kind: 'switch' as const, profile: kind, generation: g.generation, expectedCurrent: current.generation } }),
      };
    }),
  });
  return entries;
}

function systemStateLines(state: TrayState): TrayEntry[] {
  const { current, running, booted } = state.system;
  const lines: TrayEntry[] = [];
  const name = (n: number) => (n === 0 ? 'a system outside the profile' : `generation ${n}`);
  if (running !== null && current !== null && running !== current) {
    lines.push(info('system-running', `Running ${name(running)}; generation ${current} starts at the next boot`));
  }
  if (running !== null && booted !== null && running !== booted) {
    lines.push(info('system-booted', `Booted ${name(booted)}: reboot to load the running system's kernel`));
  }
  return lines;
}

/**
 * The tray menu as data, computed only from the state: the Electron Tray renders it, `tray.menu`
 * returns it, and tests check it.
 */
export function trayMenu(state: TrayState): TrayMenu {
  const systemBusy = state.runningJobs.some((j) => j.group === 'system');
  const homeBusy = state.runningJobs.some((j) => j.group === 'home');
  const items: TrayEntry[] = [];

  items.push(...profileSection('system', state.system, systemBusy));
  items.push(...systemStateLines(state));

  if (state.home) {
    items.push({ type: 'separator' });
    items.push(...profileSection('home', state.home, homeBusy));
  }

  items.push({ type: 'separator' });
  const shown = state.runningJobs.slice(0, MAX_JOB_LINES);
  for (const job of shown) items.push(info(`job-${job.id}`, `Running: ${job.title}`));
  if (state.runningJobs.length > shown.length) items.push(info('jobs-more', `and ${state.runningJobs.length - shown.length} more running`));
  const canRebuild = state.system.current !== null;
  items.push({
    type: 'item',
    id: 'rebuild',
    label: systemBusy ? 'Rebuild now (waiting for the running system job)' : 'Rebuild now',
    enabled: canRebuild && !systemBusy,
    action: { kind: 'rebuild' },
  });
  if (state.update) {
    const { id } = state.update;
    items.push({
      type: 'submenu',
      id: 'update',
      label: 'Update ready…',
      enabled: true,
      items: [
        info('update-headline', state.update.headline),
        { type: 'item', id: 'update-switch', label: 'Apply now…', enabled: !systemBusy, action: { kind: 'update', id, action: 'switch' } },
        { type: 'item', id: 'update-boot', label: 'Apply at the next boot…', enabled: !systemBusy, action: { kind: 'update', id, action: 'boot' } },
      ],
    });
  }

  items.push({ type: 'separator' });
  items.push({ type: 'item', id: 'open', label: 'Open NixOS Companion', enabled: true, action: { kind: 'open' } });
  items.push({ type: 'item', id: 'quit', label: 'Quit', enabled: true, action: { kind: 'quit' } });

  const current = state.system.generations.find((g) => g.generation === state.system.current);
  const tooltip = current
    ? `NixOS Companion: generation ${current.generation}${current.version ? `, NixOS ${current.version}` : ''}${state.runningJobs.length ? ` (${state.runningJobs.length} running)` : ''}`
    : 'NixOS Companion';
  return { tooltip, items };
}
