import { rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/fs';
import path from 'node:path';
import type { Host } from '../../host';

export const APP_ID = 'org.nixos.companion';
/** the flag an autostarted app is launched with: start in the tray, without a window */
export const HIDDEN_FLAG = '--hidden';

export const autostartFile = (host: Host) => path.join(host.autostartDir, `${APP_ID}.desktop`);

/**
 * One argument quoted as the Desktop Entry spec wants inside Exec: arguments with reserved characters
 * go in double quotes with `"`, `` ` ``, `$` and `\` backslash-escaped; then, because Exec is a string
 * value, every backslash is escaped once more.
 */
export function quoteExecArg(arg: string): string {
  if (arg === '') return '""';
  const quoted = /[\s"'\\><~|&;$*?#()`]/.test(arg) ? `"${arg.replace(/(["`$\\])/g, '\\$1')}"` : arg;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

export function autostartEntry(launch: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=NixOS Companion',
    'Comment=Start NixOS Companion in the tray at login',
    `Exec=${[...launch, HIDDEN_FLAG].map(quoteExecArg).join(' ')}`,
    'Icon=nixos-companion',
    'Terminal=false',
    'Categories=System;',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Writes the XDG autostart entry atomically (a half-written file could be run by the session manager). */
export async function enableAutostart(host: Host, launch: string[]): Promise<string> {
  if (launch.length === 0) throw new Error('no launch command for the autostart entry');
  const file = autostartFile(host);
  await writeFileAtomic(file, autostartEntry(launch), { mkdir: true, mode: 0o644 });
  return file;
}

export async function disableAutostart(host: Host): Promise<void> {
  await rm(autostartFile(host), { force: true });
}
