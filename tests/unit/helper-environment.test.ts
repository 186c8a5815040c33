import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NIXOS_TOOL_DIRS, elevatedPath, helperEnvironment, isElevated } from '../../electron/helper/environment';

const PKEXEC_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

describe('the root helper’s PATH and host', () => {
  it('under pkexec or sudo, NixOS’s tool folders come first, before the fixed PATH pkexec sets', () => {
    expect(NIXOS_TOOL_DIRS).toEqual(['/run/current-system/sw/bin', '/nix/var/nix/profiles/default/bin']);
    expect(elevatedPath(PKEXEC_PATH)).toBe(`/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:${PKEXEC_PATH}`);
    expect(elevatedPath(undefined)).toBe('/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin');
    // already there (sudo keeping a NixOS user's PATH): moved to the front, not repeated
    expect(elevatedPath(`/usr/bin:/nix/var/nix/profiles/default/bin:/run/current-system/sw/bin::/bin`)).toBe('/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:/usr/bin:/bin');
  });

  it('pkexec (PKEXEC_UID) and sudo (SUDO_UID) count as elevated; a direct start does not', () => {
    expect(isElevated({ PKEXEC_UID: '1000' })).toBe(true);
    expect(isElevated({ SUDO_UID: '1000' })).toBe(true);
    expect(isElevated({ PATH: PKEXEC_PATH })).toBe(false);
  });

  it('elevated: the PATH it runs commands with has the NixOS folders, and the host comes from root’s file, not the caller’s', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-helper-env-'));
    const trusted = path.join(dir, 'host.json');
    writeFileSync(trusted, JSON.stringify({ nixosConfigDir: '/srv/nixos', commands: { git: '/nix/store/x-git/bin/git' } }));
    const callers = path.join(dir, 'caller.json');
    writeFileSync(callers, JSON.stringify({ nixosConfigDir: '/home/mallory/evil' }));
    const env = helperEnvironment({ PKEXEC_UID: '1000', PATH: PKEXEC_PATH, NIXOS_COMPANION_HOST: callers, HOME: '/home/mallory' }, trusted);
    expect(env.path).toBe(elevatedPath(PKEXEC_PATH));
    expect(env.host.nixosConfigDir).toBe('/srv/nixos');
    expect(env.host.commands.git).toBe('/nix/store/x-git/bin/git');
    expect(env.host.homeDir).toBe('/root');
    // without root's file: the defaults, still never the caller's file
    const bare = helperEnvironment({ SUDO_UID: '1000', PATH: PKEXEC_PATH, NIXOS_COMPANION_HOST: callers }, path.join(dir, 'absent.json'));
    expect(bare.host.nixosConfigDir).toBe('/etc/nixos');
    expect(bare.path!.split(':').slice(0, 2)).toEqual(NIXOS_TOOL_DIRS);
  });

  it('started directly (already root, or a test), PATH and the host file are the caller’s', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-helper-env-'));
    const file = path.join(dir, 'host.json');
    writeFileSync(file, JSON.stringify({ nixosConfigDir: '/tmp/fixture' }));
    const env = helperEnvironment({ PATH: '/opt/bin:/usr/bin', NIXOS_COMPANION_HOST: file }, path.join(dir, 'absent.json'));
    expect(env.path).toBe('/opt/bin:/usr/bin');
    expect(env.host.nixosConfigDir).toBe('/tmp/fixture');
  });
});
