import { spawn } from 'node:child_process';
import type { Host } from '../../host';

/**
 * Keeps the desktop from idling or suspending while a stick is written: holds a logind inhibitor
 * (`systemd-inhibit --what=idle:sleep ... sleep infinity`) and lets go by ending that process.
 * Where there is no systemd-inhibit or no logind (no D-Bus), it quietly does nothing.
 */
export interface AwakeLock {
  held: boolean;
  release(): void;
}

export async function keepAwake(host: Host, why: string): Promise<AwakeLock> {
  if (!host.keepAwake) return { held: false, release: () => {} };
  const child = spawn(host.commands['systemd-inhibit'], ['--what=idle:sleep', '--who=NixOS Companion', `--why=${why}`, '--mode=block', 'sleep', 'infinity'], {
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(true));
    child.once('exit', () => resolve(true));
  });
  // systemd-inhibit fails at once when logind cannot be reached; alive after a moment means the lock is held.
  const gone = await Promise.race([exited, new Promise<boolean>((r) => setTimeout(() => r(false), 300))]);
  if (gone) return { held: false, release: () => {} };
  child.unref();
  return {
    held: true,
    release: () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    },
  };
}
