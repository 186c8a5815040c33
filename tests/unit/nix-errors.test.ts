import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainNixError, missingFlakePath, packageName, parseClobbered, type ExplainContext } from '../../electron/core/nix-errors';
import { errorExplanationSchema } from '../../shared/contract/core';

/** Recorded outputs of the real tools (see tests/fixtures/nix-errors/README.md for their sources). */
const recorded = (name: string) => readFileSync(path.join(__dirname, '../fixtures/nix-errors', name), 'utf8');

const system: ExplainContext = { tool: 'nixos-rebuild', configKind: 'channels', configFile: '/etc/nixos/configuration.nix' };
const flake: ExplainContext = { ...system, configKind: 'flake' };
const home: ExplainContext = { tool: 'home-manager', configKind: 'channels', configFile: '/home/alice/.config/home-manager/home.nix' };

function explain(text: string, ctx: ExplainContext = system) {
  const e = explainNixError(text, ctx);
  // whatever the classifier says must cross the RPC boundary
  if (e) errorExplanationSchema.parse(e);
  return e;
}

describe('unfree packages', () => {
  it('nixpkgs 24.11 (check-meta.nix): a channel configuration gets "Allow unfree packages" in configuration.nix', () => {
    const e = explain(recorded('check-meta.nix-nixpkgs-24.11-unfree.txt'))!;
    expect(e.code).toBe('unfree');
    expect(e.title).toBe('steam is not free software, and unfree packages are not allowed yet');
    expect(e.explanation).toContain('steam-1.0.0.81 has an unfree license (unfreeRedistributable)');
    expect(e.fixes[0]).toMatchObject({ label: 'Allow unfree packages', action: { kind: 'add-to-config', target: 'system', option: 'nixpkgs.config.allowUnfree', value: true } });
    expect(e.fixes[1]!.command).toBe('nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "steam" ];');
    // a position inside nixpkgs is not the person's file
    expect(e.location).toBeUndefined();
  });

  it('nixpkgs 25.11 (remediations.nix) words it differently and is recognised too', () => {
    const e = explain(recorded('remediations.nix-nixpkgs-25.11-unfree.txt'), flake)!;
    expect(e.code).toBe('unfree');
    expect(e.title).toMatch(/^vscode is not free software/);
    // a flake's nixosConfigurations still read nixpkgs.config from the NixOS module; a flake that imports nixpkgs itself sets it there
    expect(e.fixes[0]!.action).toEqual({ kind: 'add-to-config', target: 'system', option: 'nixpkgs.config.allowUnfree', value: true });
    expect(e.fixes[0]!.detail).toContain('If your flake.nix builds its own pkgs');
    expect(e.fixes.map((f) => f.command)).toContain('pkgs = import nixpkgs { inherit system; config.allowUnfree = true; };');
  });

  it('Home Manager: allowUnfree in home.nix, and ~/.config/nixpkgs/config.nix for the nix commands', () => {
    const e = explain(recorded('check-meta.nix-nixpkgs-24.11-unfree.txt'), home)!;
    expect(e.fixes[0]!.action).toEqual({ kind: 'add-to-config', target: 'home', option: 'nixpkgs.config.allowUnfree', value: true });
    expect(e.fixes.find((f) => f.detail?.includes('~/.config/nixpkgs/config.nix'))?.command).toBe('{ allowUnfree = true; }');
  });

  it('plain nix commands: config.nix or NIXPKGS_ALLOW_UNFREE (with --impure for a flake)', () => {
    const e = explain(recorded('check-meta.nix-nixpkgs-24.11-unfree.txt'), { tool: 'nix' })!;
    expect(e.fixes.some((f) => f.action)).toBe(false);
    expect(e.fixes.map((f) => f.command)).toEqual(['{ allowUnfree = true; }', 'export NIXPKGS_ALLOW_UNFREE=1']);
  });

  it('an insecure package names the exact version to permit', () => {
    const e = explain(recorded('check-meta.nix-nixpkgs-24.11-insecure.txt'))!;
    expect(e.code).toBe('insecure');
    expect(e.fixes[0]!.command).toBe('nixpkgs.config.permittedInsecurePackages = [ "olm-3.2.16" ];');
  });
});

describe('names Nix does not know', () => {
  const text = "error: undefined variable 'firefx'\n       at /etc/nixos/configuration.nix:12:34:\n           11|   environment.systemPackages = with pkgs; [\n           12|     git firefx\n";
  it('undefined variable: the closest package names from the package list, and the file at the line', () => {
    const asked: string[] = [];
    const e = explain(text, { ...system, closestNames: (n) => (asked.push(n), ['firefox', 'firefox-esr', 'firefx']) })!;
    expect(asked).toEqual(['firefx']);
    expect(e.code).toBe('undefined-variable');
    expect(e.title).toBe('Nix does not know “firefx”');
    expect(e.suggestions).toEqual(['firefox', 'firefox-esr']);
    expect(e.location).toEqual({ file: '/etc/nixos/configuration.nix', line: 12, column: 34 });
    expect(e.fixes[0]).toEqual({ label: 'Fix it in configuration.nix at line 12', action: { kind: 'open-file', file: '/etc/nixos/configuration.nix', line: 12, column: 34 } });
  });

  it('without a package list it points to Search instead of guessing', () => {
    const e = explain(text)!;
    expect(e.suggestions).toBeUndefined();
    expect(e.fixes.map((f) => f.action)).toContainEqual({ kind: 'open-page', route: '#/search' });
  });

  it('lib or pkgs missing from the file’s arguments is said as such', () => {
    const e = explain("error: undefined variable 'lib'\n       at /etc/nixos/hosts/a.nix:3:15:")!;
    expect(e.title).toBe('This file uses lib, but does not take it as an argument');
    expect(e.fixes.at(-1)!.command).toBe('{ config, pkgs, lib, ... }:');
  });

  it('missing attribute: Nix’s own "Did you mean" (2.16+) comes first, then the package list', () => {
    const e = explain("error: attribute 'firefx' missing\n       at /etc/nixos/configuration.nix:5:3:\n       Did you mean one of firefox or firefox-bin?", { ...system, closestNames: () => ['firefox', 'floorp'] })!;
    expect(e.code).toBe('missing-attribute');
    expect(e.suggestions).toEqual(['firefox', 'firefox-bin', 'floorp']);
  });
});

describe('options', () => {
  it('an option that does not exist but was renamed gets its new name', () => {
    const e = explain(recorded('modules.nix-nixpkgs-24.11-option-missing.txt'), { ...system, location: { file: '/etc/nixos/configuration.nix', line: 7, column: 3 } })!;
    expect(e.code).toBe('option-renamed');
    expect(e.title).toBe('services.xserver.displayManager.gdm.enable is now called services.displayManager.gdm.enable');
    expect(e.suggestions).toEqual(['services.displayManager.gdm.enable']);
    expect(e.fixes[0]!.action).toEqual({ kind: 'open-file', file: '/etc/nixos/configuration.nix', line: 7, column: 3 });
  });

  it('a prefix of a renamed option (as a module system reports a whole set) maps the same way', () => {
    const e = explain("error: The option `hardware.opengl' does not exist. Definition values:\n- In `/etc/nixos/configuration.nix':\n    {\n      enable = true;\n    }")!;
    expect(e.title).toBe('hardware.opengl is now called hardware.graphics');
  });

  it('an unknown option offers the closest names from the options list', () => {
    const e = explain("error: The option `services.printerz' does not exist. Definition values:\n- In `/etc/nixos/configuration.nix': true", { ...system, closestOptions: () => ['services.printing.enable'] })!;
    expect(e.code).toBe('option-missing');
    expect(e.title).toBe('NixOS has no setting called services.printerz');
    expect(e.suggestions).toEqual(['services.printing.enable']);
  });

  it('renamed (mkRenamedOptionModule warnings) and removed (mkRemovedOptionModule assertion)', () => {
    const renamed = explain(recorded('modules.nix-nixpkgs-24.11-renamed.txt'))!;
    expect(renamed.code).toBe('option-renamed');
    expect(renamed.title).toBe('services.xserver.displayManager.sddm.enable is now called services.displayManager.sddm.enable');
    expect(renamed.explanation).toContain('hardware.opengl.enable → hardware.graphics.enable');
    const removed = explain(recorded('modules.nix-nixpkgs-25.05-removed.txt'))!;
    expect(removed.code).toBe('option-removed');
    expect(removed.title).toBe('The setting sound.enable was removed');
  });

  it('stateVersion: Home Manager refuses a release it does not know yet; NixOS warns when it is unset', () => {
    const hm = explain(recorded('version.nix-home-manager-24.11-stateversion.txt'), home)!;
    expect(hm.code).toBe('state-version');
    expect(hm.explanation).toContain('home.stateVersion = "25.05" is newer than the installed release knows (its newest is 24.11)');
    expect(hm.suggestions).toEqual(['24.11']);
    const nixos = explain(recorded('version.nix-nixos-25.05-stateversion-unset.txt'))!;
    expect(nixos.code).toBe('state-version');
    expect(nixos.explanation).toContain('NixOS assumed 25.05');
  });

  it('Home Manager and Nixpkgs of different releases', () => {
    const e = explain(recorded('home-environment.nix-home-manager-24.11-release-mismatch.txt'), home)!;
    expect(e.code).toBe('release-mismatch');
    expect(e.fixes[0]!.command).toContain('release-24.05.tar.gz');
  });
});

describe('builds and the machine', () => {
  it('collision in buildEnv (system-path) names both packages and the file', () => {
    const e = explain(recorded('builder.pl-nixpkgs-24.11-collision.txt'))!;
    expect(e.code).toBe('collision');
    expect(e.title).toBe('vim-full and vim both provide /bin/vim');
    expect(e.fixes.map((f) => f.command)).toContain('(lib.hiPrio pkgs.vim-full)');
  });

  it('a profile conflict (nix-env, nix profile) is the same kind of failure', () => {
    const e = explain(recorded('buildenv.hh-nix-2.24-profile-conflict.txt'), { tool: 'nix' })!;
    expect(e.code).toBe('collision');
    expect(e.title).toBe('clang-wrapper and gcc-wrapper both provide /bin/addr2line');
  });

  it('an unreachable binary cache', () => {
    const e = explain(recorded('filetransfer.cc-nix-2.24-cache-unreachable.txt'))!;
    expect(e.code).toBe('network');
    expect(e.title).toBe('Nix could not reach cache.nixos.org');
    expect(e.explanation).toContain('binary cache');
  });

  it('files in the way of Home Manager: both wordings, with Retry with backup', () => {
    for (const file of ['check-link-targets-home-manager-24.11-in-the-way.txt', 'check-link-targets-home-manager-25.11-clobbered.txt']) {
      const e = explain(recorded(file), home)!;
      expect(e.code).toBe('file-in-the-way');
      expect(e.fixes[0]!.action).toEqual({ kind: 'retry-with-backup' });
    }
    expect(parseClobbered(recorded('check-link-targets-home-manager-24.11-in-the-way.txt').split('\n')).map((c) => c.path)).toEqual(['/home/alice/.bashrc', '/home/alice/.config/git/config']);
  });

  it('a flake file git does not track: the caller’s finding gives the git add action', () => {
    const text = "error: path '/nix/store/0c3ls7hgg8l6sb1p2x2ihsmcr1r4ayrb-source/hosts/extra.nix' does not exist";
    expect(missingFlakePath(text)).toBe('/nix/store/0c3ls7hgg8l6sb1p2x2ihsmcr1r4ayrb-source/hosts/extra.nix');
    const e = explain(text, { ...flake, untracked: { file: '/home/a/dots/hosts/extra.nix', repo: '/home/a/dots', relative: 'hosts/extra.nix' } })!;
    expect(e.code).toBe('untracked-flake-file');
    expect(e.fixes[0]).toMatchObject({ command: 'git -C /home/a/dots add hosts/extra.nix', action: { kind: 'git-add', file: '/home/a/dots/hosts/extra.nix', repo: '/home/a/dots' } });
    // a channel configuration has no flake copy: the same words are something else there
    expect(explain(text, system)).toBeNull();
  });

  it('anything else is left to Nix’s own words', () => {
    expect(explain("error: builder for '/nix/store/abc-hello.drv' failed with exit code 2")).toBeNull();
    expect(packageName('firefox-133.0')).toBe('firefox');
    expect(packageName('vim-full-9.1.0765')).toBe('vim-full');
  });
});
