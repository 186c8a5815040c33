import { describe, expect, it } from 'vitest';
import { diffLocks, flakeRefToString, lockInputs, parseLock } from '../../electron/services/system/flake';

/** A flake.lock shaped like the ones `nix flake lock` writes (version 7), with a nested input and a "follows". */
const lock = (nixpkgsRev: string, hmRev: string) =>
  parseLock(
    JSON.stringify({
      nodes: {
        root: { inputs: { nixpkgs: 'nixpkgs', 'home-manager': 'home-manager' } },
        nixpkgs: {
          locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: nixpkgsRev, narHash: `sha256-${nixpkgsRev}`, lastModified: 1735000000 },
          original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-24.11' },
        },
        'home-manager': {
          inputs: { nixpkgs: ['nixpkgs'], utils: 'utils' },
          locked: { type: 'github', owner: 'nix-community', repo: 'home-manager', rev: hmRev, narHash: `sha256-${hmRev}`, lastModified: 1735100000 },
          original: { type: 'github', owner: 'nix-community', repo: 'home-manager', ref: 'release-24.11' },
        },
        utils: {
          locked: { type: 'tarball', url: 'https://example.org/utils.tar.gz', narHash: 'sha256-u' },
          original: { type: 'tarball', url: 'https://example.org/utils.tar.gz' },
        },
      },
      root: 'root',
      version: 7,
    }),
  );

describe('flake.lock reading', () => {
  it('writes lock attributes back as the flake references Nix prints', () => {
    expect(flakeRefToString({ type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-24.11' })).toBe('github:NixOS/nixpkgs/nixos-24.11');
    expect(flakeRefToString({ type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: 'abc', dir: 'lib' })).toBe('github:NixOS/nixpkgs/abc?dir=lib');
    expect(flakeRefToString({ type: 'git', url: 'file:///srv/cfg', ref: 'main', rev: 'def' })).toBe('git+file:///srv/cfg?ref=main&rev=def');
    expect(flakeRefToString({ type: 'git', url: 'https://host/r.git?foo=1', rev: 'def' })).toBe('git+https://host/r.git?foo=1&rev=def');
    expect(flakeRefToString({ type: 'path', path: '/srv/x' })).toBe('path:/srv/x');
    expect(flakeRefToString({ type: 'tarball', url: 'https://e.org/a.tar.gz' })).toBe('https://e.org/a.tar.gz');
    expect(flakeRefToString({ type: 'indirect', id: 'nixpkgs' })).toBe('flake:nixpkgs');
  });

  it('lists inputs by path, inputs of inputs included, "follows" left out', () => {
    expect([...lockInputs(lock('a1', 'b1')).keys()]).toEqual(['nixpkgs', 'home-manager', 'home-manager/utils']);
  });

  it('tells updated, unchanged, added and removed inputs apart, with dates', () => {
    const changes = diffLocks(lock('a1', 'b1'), lock('a2', 'b1'));
    expect(changes.map((c) => [c.input, c.kind])).toEqual([
      ['home-manager', 'unchanged'],
      ['home-manager/utils', 'unchanged'],
      ['nixpkgs', 'updated'],
    ]);
    const nixpkgs = changes.find((c) => c.input === 'nixpkgs')!;
    expect(nixpkgs).toMatchObject({ original: 'github:NixOS/nixpkgs/nixos-24.11', before: { rev: 'a1', url: 'github:NixOS/nixpkgs/a1', lastModified: '2024-12-24T00:26:40.000Z' }, after: { rev: 'a2' } });
    expect(changes.find((c) => c.input === 'home-manager/utils')!.before).toMatchObject({ rev: null, lastModified: null, url: 'https://example.org/utils.tar.gz' });
    expect(diffLocks(null, lock('a1', 'b1')).every((c) => c.kind === 'added' && c.before === null)).toBe(true);
  });

  it('refuses what is not a lock file, in words', () => {
    expect(() => parseLock('{ not json')).toThrow(/not valid JSON/);
    expect(() => parseLock('{"nodes": {}, "root": "root"}')).toThrow(/does not look like a Nix lock file/);
  });
});
