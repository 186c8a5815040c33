import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostKeys, loadHost } from '../../electron/host';
import { tempDir } from '../helpers/app';

describe('host environment', () => {
  it('has the documented defaults', () => {
    const host = loadHost({ HOME: '/home/alice', USER: 'alice' });
    expect(host.systemProfile).toBe('/nix/var/nix/profiles/system');
    expect(host.currentSystem).toBe('/run/current-system');
    expect(host.bootedSystem).toBe('/run/booted-system');
    expect(host.nixosConfigDir).toBe('/etc/nixos');
    expect(host.channelBaseUrl).toBe('https://channels.nixos.org');
    expect(host.allowLoopDevices).toBe(false);
    expect(host.homeManagerConfig).toBe('/home/alice/.config/home-manager/home.nix');
    expect(host.commands['nixos-rebuild']).toBe('nixos-rebuild');
  });

  it('takes overrides from the file named by NIXOS_COMPANION_HOST, merging commands', () => {
    const file = path.join(tempDir(), 'host.json');
    writeFileSync(file, JSON.stringify({ systemProfile: '/tmp/p/system', allowLoopDevices: true, commands: { nix: '/opt/nix/bin/nix' } }));
    const host = loadHost({ HOME: '/root', NIXOS_COMPANION_HOST: file });
    expect(host.systemProfile).toBe('/tmp/p/system');
    expect(host.allowLoopDevices).toBe(true);
    expect(host.commands.nix).toBe('/opt/nix/bin/nix');
    expect(host.commands['nix-env']).toBe('nix-env');
  });

  it('rejects unknown keys and wrong types with a message naming them', () => {
    const file = path.join(tempDir(), 'host.json');
    writeFileSync(file, JSON.stringify({ systemProfil: '/x', allowLoopDevices: 'yes' }));
    expect(() => loadHost({ NIXOS_COMPANION_HOST: file })).toThrow(/allowLoopDevices/);
    writeFileSync(file, '{ not json');
    expect(() => loadHost({ NIXOS_COMPANION_HOST: file })).toThrow(/could not be read as JSON/);
  });

  it('documents every key in the README', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const missing = hostKeys.filter((k) => !readme.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });
});
