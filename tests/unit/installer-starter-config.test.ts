import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { starterConfigSchema } from '../../shared/contract/installer';
import { RENAMED_OPTIONS, generateStarterConfig, optionName } from '../../electron/services/installer/starter-config';
import { releaseOfVersion } from '../../shared/nixos-release';
import { sharedData } from '../support/nix.mjs';

/** Every option the generator can write must exist in the real NixOS options.json (nixos-unstable, Feb 2025). */
const options = JSON.parse(brotliDecompressSync(readFileSync(sharedData('nixos-options-unstable-2025-02.json.br'))).toString('utf8')) as Record<string, { type: string }>;
// the release these options belong to, as the data itself says
const dataRelease = JSON.parse((options['system.nixos.release'] as unknown as { default: { text: string } }).default.text) as string;
const base = { hostname: 'nixbox', userName: 'alice', fullName: 'Alice Liddell', timeZone: 'Europe/Berlin', keyboardLayout: 'de', locale: 'de_DE.UTF-8', ssh: true, flakes: true } as const;

describe('starter configuration', () => {
  const variants = (['none', 'gnome', 'plasma', 'xfce'] as const).flatMap((desktop) => [true, false].map((flag) => ({ ...base, desktop, ssh: flag, flakes: flag })));

  it('uses only options that exist in NixOS (module arguments like imports aside)', () => {
    expect(dataRelease).toBe('25.05');
    const seen = new Set<string>();
    for (const form of variants) {
      const { options: used } = generateStarterConfig({ ...form, release: dataRelease });
      for (const o of used) seen.add(o);
    }
    seen.delete('imports');
    for (const o of seen) expect(options[o], `${o} is not a NixOS option`).toBeDefined();
    // nix.settings is free-form: experimental-features is a nix.conf key under it
    expect(options['nix.settings']!.type).toMatch(/attribute set|submodule/);
    expect([...seen]).toEqual(expect.arrayContaining(['services.xserver.desktopManager.gnome.enable', 'services.pulseaudio.enable', 'services.desktopManager.plasma6.enable', 'services.xserver.desktopManager.xfce.enable', 'services.openssh.enable', 'time.timeZone', 'services.xserver.xkb.layout', 'i18n.defaultLocale', 'users.users.<name>.isNormalUser', 'users.users.<name>.extraGroups']));
  });

  it('names options as the release being installed knows them (GNOME and GDM moved out of services.xserver in 25.11)', () => {
    for (const r of RENAMED_OPTIONS) {
      // the table is true to the real data: in 25.05 the old name exists, and a name from a later release does not yet
      expect(options[optionName(r.from, dataRelease)], `${r.from} in ${dataRelease}`).toBeDefined();
      if (Number(r.release.replace('.', '')) > Number(dataRelease.replace('.', ''))) expect(options[r.to]).toBeUndefined();
    }
    for (const release of ['24.11', '25.05', '25.11', '26.05']) {
      const { content, options: used } = generateStarterConfig({ ...base, desktop: 'gnome', release });
      const newer = Number(release.replace('.', '')) >= 2511;
      expect(content.includes('services.desktopManager.gnome.enable = true;')).toBe(newer);
      expect(content.includes('services.xserver.desktopManager.gnome.enable = true;')).toBe(!newer);
      expect(content.includes('services.displayManager.gdm.enable = true;')).toBe(newer);
      expect(content.includes(release >= '25.05' ? 'services.pulseaudio.enable = false;' : 'hardware.pulseaudio.enable = false;')).toBe(true);
      expect(content).toContain(`system.stateVersion = "${release}";`);
      // each option the generator lists exists in the real data, or is a documented rename of one that does
      for (const o of used.filter((x) => x !== 'imports')) {
        const renamed = RENAMED_OPTIONS.find((r) => r.to === o || r.from === o);
        expect(options[o] ?? (renamed && options[optionName(renamed.from, dataRelease)]), `${o} (${release})`).toBeDefined();
      }
    }
    expect(releaseOfVersion('25.05.802216.55d1f923c480')).toBe('25.05');
    expect(releaseOfVersion('25.11pre712345.abcdef')).toBe('25.11');
    expect(releaseOfVersion('nixos-graphical')).toBeUndefined();
  });

  it('writes every option it lists, and no option it does not list', () => {
    for (const form of variants) {
      const { content, options: used } = generateStarterConfig(form);
      const assigned = [...content.matchAll(/^ {2}([a-zA-Z][\w.-]*(?:\.[\w-]+)*) = /gm)].map((m) => m[1]!);
      for (const a of assigned) {
        const name = a.startsWith(`users.users.${form.userName}`) ? 'users.users.<name>' : a === 'nix.settings.experimental-features' ? 'nix.settings' : a;
        if (name === 'users.users.<name>') continue;
        expect(used, `${a} is written but not listed`).toContain(name);
      }
      expect(content.includes('services.openssh.enable = true;')).toBe(form.ssh);
      expect(content.includes('"flakes"')).toBe(form.flakes);
    }
  });

  it('puts the form values in, commented for a newcomer', () => {
    const { content } = generateStarterConfig({ ...base, desktop: 'gnome' });
    expect(content).toContain('networking.hostName = "nixbox";');
    expect(content).toContain('time.timeZone = "Europe/Berlin";');
    expect(content).toContain('i18n.defaultLocale = "de_DE.UTF-8";');
    expect(content).toContain('services.xserver.xkb.layout = "de";');
    expect(content).toContain('users.users.alice = {');
    expect(content).toContain('description = "Alice Liddell";');
    expect(content).toMatch(/nixos-generate-config/);
    expect(content.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(15);
  });

  it('rejects form values that could break out of a Nix string', () => {
    expect(starterConfigSchema.safeParse({ ...base, desktop: 'none', hostname: 'a"; b' }).success).toBe(false);
    expect(starterConfigSchema.safeParse({ ...base, desktop: 'none', fullName: 'x ${builtins.exec}' }).success).toBe(false);
    expect(starterConfigSchema.safeParse({ ...base, desktop: 'none', userName: 'Root!' }).success).toBe(false);
    expect(starterConfigSchema.safeParse({ ...base, desktop: 'none', timeZone: '../../etc' }).success).toBe(false);
    expect(starterConfigSchema.safeParse({ ...base, desktop: 'none', extra: 1 }).success).toBe(false);
  });
});
