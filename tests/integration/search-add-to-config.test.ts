import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testApp } from '../helpers/app';
// @ts-expect-error plain JS fixture
import { makeHost } from '../fixtures/make-host.mjs';
// @ts-expect-error plain JS fixture
import { dataDir, makePackagesJson } from '../fixtures/search/make-packages.mjs';

let host: Record<string, unknown>;
let configFile: string;
let homeNix: string;

beforeAll(async () => {
  const dir = tempDir('nc-search-add-');
  const made = await makeHost(path.join(dir, 'host'), { generations: 1 });
  configFile = path.join(made.host.nixosConfigDir, 'configuration.nix');
  homeNix = path.join(dir, 'home/.config/home-manager/home.nix');
  mkdirSync(path.dirname(homeNix), { recursive: true });
  writeFileSync(homeNix, '{ config, pkgs, ... }:\n\n{\n  home.username = "alice";\n  home.homeDirectory = "/home/alice";\n  home.stateVersion = "24.11";\n\n  programs.home-manager.enable = true;\n}\n');
  writeFileSync(path.join(dir, 'packages.json'), JSON.stringify(makePackagesJson({ names: ['ripgrep', 'git', 'htop', 'fd', 'vscode', '_2048-in-terminal', 'python313Packages.numpy'] })));
  host = {
    ...made.host,
    homeManagerConfig: homeNix,
    cacheDir: path.join(dir, 'cache'),
    packagesJsonFile: path.join(dir, 'packages.json'),
    optionsJsonFile: path.join(dataDir, 'nixos-options-unstable-2025-02.json.br'),
    homeManagerOptionsFile: path.join(dataDir, 'home-manager-options.json.br'),
  };
  // the root helper reads its host from the environment, as it does when the app starts it
  const hostFile = path.join(dir, 'host.json');
  writeFileSync(hostFile, JSON.stringify({ ...host, privilege: 'direct' }));
  process.env.NIXOS_COMPANION_HOST = hostFile;
}, 300_000);

describe('add to my configuration', () => {
  it('previews adding a package to environment.systemPackages as a diff, then writes it through the root helper with a backup', async () => {
    const app = await testApp(host);
    const before = readFileSync(configFile, 'utf8');
    const preview = await app.call('search.previewAdd', { target: 'system', item: { kind: 'package', attr: 'fd' } });
    expect(preview.status).toBe('ready');
    expect(preview.diff).toContain('+    fd\n');
    expect(preview.diff).toContain('     fastfetch\n');
    expect(preview.nextStep.route).toBe('#/system/rebuild');
    expect(readFileSync(configFile, 'utf8')).toBe(before);

    const applied = await app.call('search.applyAdd', { target: 'system', item: { kind: 'package', attr: 'fd' }, expectedSha256: preview.baseSha256! });
    const after = readFileSync(configFile, 'utf8');
    expect(after).toContain('    fastfetch\n    fd\n  ]');
    expect(applied.backup).not.toBeNull();
    expect(readFileSync(applied.backup!, 'utf8')).toBe(before);

    const again = await app.call('search.previewAdd', { target: 'system', item: { kind: 'package', attr: 'fd' } });
    expect(again.status).toBe('already');
    const conflict = await app.callError('search.applyAdd', { target: 'system', item: { kind: 'package', attr: 'vscode' }, expectedSha256: preview.baseSha256! });
    expect(conflict.code).toBe('conflict');
  });

  it('sets an option from its example or as true for an enable switch, checked by nix-instantiate --parse', async () => {
    const app = await testApp(host);
    const already = await app.call('search.previewAdd', { target: 'system', item: { kind: 'option', name: 'services.openssh.enable', source: 'nixos' } });
    expect(already.status).toBe('already');
    const p = await app.call('search.previewAdd', { target: 'system', item: { kind: 'option', name: 'hardware.bluetooth.enable', source: 'nixos' } });
    expect(p.status).toBe('ready');
    expect(p.diff).toContain('+  hardware.bluetooth.enable = true;');
    await app.call('search.applyAdd', { target: 'system', item: { kind: 'option', name: 'hardware.bluetooth.enable', source: 'nixos' }, expectedSha256: p.baseSha256! });
    expect(readFileSync(configFile, 'utf8')).toMatch(/hardware\.bluetooth\.enable = true;\n}\n$/);
    // a multi-line example, re-indented
    const vh = await app.call('search.previewAdd', { target: 'system', item: { kind: 'option', name: 'services.nginx.virtualHosts', source: 'nixos' } });
    expect(vh.status).toBe('ready');
    expect(vh.diff).toContain('+  services.nginx.virtualHosts = {\n+    "hydra.example.com" = {');
    // a placeholder in the name: the snippet to paste
    const ph = await app.call('search.previewAdd', { target: 'system', item: { kind: 'option', name: 'services.nginx.virtualHosts.<name>.root', source: 'nixos' } });
    expect(ph.status).toBe('manual');
    expect(ph.snippet).toContain('services.nginx.virtualHosts.<name>.root = ');
  });

  it('refuses a file that does not parse, and explains a layout it will not change', async () => {
    const app = await testApp(host);
    const good = readFileSync(configFile, 'utf8');
    try {
      writeFileSync(configFile, good.replace('networking.networkmanager.enable = true;', 'networking.networkmanager.enable = ;'));
      const p = await app.call('search.previewAdd', { target: 'system', item: { kind: 'package', attr: 'vscode' } });
      expect(p.status).toBe('manual');
      expect(p.message).toMatch(/syntax error/);
      writeFileSync(configFile, good.replace(/environment\.systemPackages = with pkgs; \[/, 'environment.systemPackages = lib.optionals true (with pkgs; ['));
      const computed = await app.call('search.previewAdd', { target: 'system', item: { kind: 'package', attr: 'vscode' } });
      expect(computed.status).toBe('manual');
      expect(computed.snippet).toBe('environment.systemPackages = with pkgs; [\n  vscode\n];');
    } finally {
      writeFileSync(configFile, good);
    }
  });

  it('adds to home.packages in home.nix as the user, and a Home Manager option only there', async () => {
    const app = await testApp(host);
    const p = await app.call('search.previewAdd', { target: 'home', item: { kind: 'package', attr: 'ripgrep' } });
    expect(p.status).toBe('ready');
    expect(p.nextStep.route).toBe('#/home-manager');
    const r = await app.call('search.applyAdd', { target: 'home', item: { kind: 'package', attr: 'ripgrep' }, expectedSha256: p.baseSha256! });
    expect(readFileSync(homeNix, 'utf8')).toContain('  home.packages = with pkgs; [\n    ripgrep\n  ];\n}\n');
    expect(r.backup && existsSync(r.backup)).toBeTruthy();
    const o = await app.call('search.previewAdd', { target: 'home', item: { kind: 'option', name: 'programs.git.enable', source: 'home-manager' } });
    expect(o.diff).toContain('+  programs.git.enable = true;');
    const wrong = await app.callError('search.previewAdd', { target: 'system', item: { kind: 'option', name: 'programs.git.enable', source: 'home-manager' } });
    expect(wrong.code).toBe('refused');
    const missing = await app.callError('search.previewAdd', { target: 'home', item: { kind: 'package', attr: 'not-a-package' } });
    expect(missing.code).toBe('not-found');
    expect(readdirSync(path.dirname(homeNix))).toContain('.nixos-companion-backups');
  });

  it('rejects item names that are not attribute or option names', async () => {
    const app = await testApp(host);
    const e = await app.callError('search.previewAdd', { target: 'system', item: { kind: 'package', attr: 'foo; rm -rf /' } });
    expect(e.code).toBe('invalid-params');
  });
});
