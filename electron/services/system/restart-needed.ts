/**
 * Whether the running system needs a restart of the computer to be fully in use.
 *
 * After an ordinary switch the running system (/run/current-system) is never the booted one
 * (/run/booted-system): that alone needs nothing. Only what activation cannot replace does: the kernel,
 * its initrd and modules, and systemd itself. Like NixOS's own auto-upgrade (`allowReboot`,
 * nixos/modules/tasks/auto-upgrade.nix), this compares the store paths of the toplevels' `kernel`,
 * `initrd` and `kernel-modules` links, and systemd's (the toplevel's `systemd` link, else `sw/bin/systemctl`).
 */
import path from 'node:path';
import type { RestartNeeded, RestartPart } from '../../../shared/contract/system';
import { kernelVersionOf } from './generations';
import { resolveStorePath } from './profile';

/** The store path (`/nix/store/<hash>-<name>`) that `link` leads into, or null. */
async function storePathOf(storeDir: string, link: string): Promise<string | null> {
  const real = await resolveStorePath(link);
  if (!real) return null;
  const rel = path.relative(storeDir, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return path.join(storeDir, rel.split(path.sep)[0]!);
}

async function partsOf(storeDir: string, system: string): Promise<Record<RestartPart, string | null>> {
  const [kernel, initrd, kernelModules, systemdLink, systemctl] = await Promise.all([
    storePathOf(storeDir, path.join(system, 'kernel')),
    storePathOf(storeDir, path.join(system, 'initrd')),
    storePathOf(storeDir, path.join(system, 'kernel-modules')),
    storePathOf(storeDir, path.join(system, 'systemd')),
    storePathOf(storeDir, path.join(system, 'sw/bin/systemctl')),
  ]);
  return { kernel, initrd, 'kernel-modules': kernelModules, systemd: systemdLink ?? systemctl };
}

/** "/nix/store/<hash>-systemd-256.8" -> "256.8" */
const systemdVersion = (storePath: string) => /-systemd-(\d[^/]*)$/.exec(storePath)?.[1] ?? null;

const ORDER: RestartPart[] = ['kernel', 'systemd', 'initrd', 'kernel-modules'];

/**
 * What differs between the booted and the running system that only a restart puts into use, in words for a
 * title and a body; null when nothing does (or either system cannot be read).
 */
export async function restartNeeded(
  storeDir: string,
  booted: { path: string; name: string },
  running: { path: string; name: string },
): Promise<RestartNeeded | null> {
  const [b, r] = await Promise.all([resolveStorePath(booted.path), resolveStorePath(running.path)]);
  if (!b || !r || b === r) return null;
  const [before, after] = await Promise.all([partsOf(storeDir, b), partsOf(storeDir, r)]);
  const parts = ORDER.filter((p) => before[p] !== null && after[p] !== null && before[p] !== after[p]);
  if (!parts.length) return null;

  const kernelChanged = parts.includes('kernel');
  const kernel = kernelChanged ? { booted: await kernelVersionOf(b), running: await kernelVersionOf(r) } : null;
  const known = (v: string | null | undefined) => (v && v !== 'Unknown' ? v : null);
  const change = (from: string | null, to: string | null) => (from && to ? ` (${from} → ${to})` : '');
  // a new kernel brings its own initrd and modules: naming them too says nothing more
  const named = parts.filter((p) => !(kernelChanged && (p === 'initrd' || p === 'kernel-modules')));
  const words: Record<RestartPart, string> = {
    kernel: `the kernel${change(known(kernel?.booted), known(kernel?.running))}`,
    systemd: `systemd${change(systemdVersion(before.systemd!), systemdVersion(after.systemd!))}`,
    initrd: 'the initrd (what starts the computer)',
    'kernel-modules': 'the kernel modules',
  };
  const short: Record<RestartPart, string> = { kernel: 'the kernel', systemd: 'systemd', initrd: 'the initrd', 'kernel-modules': 'the kernel modules' };
  const list = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
  const runningKernel = known(kernel?.running);
  const title = named.length === 1 && kernelChanged && runningKernel
    ? `Restart to use kernel ${runningKernel}`
    : `Restart to finish the update: ${list(named.map((p) => short[p]))} changed`;
  const message =
    `The computer started with ${booted.name}; ${running.name} runs now. Its programs and services are already in use, ` +
    `but ${list(named.map((p) => words[p]))} ${named.length === 1 ? 'changes' : 'change'} only when you restart the computer.`;
  return { parts, kernel, title, message };
}
