import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM fixture without types
import { applyEnv, makeHomeEnv, subscribeNixpkgsChannel } from '../fixtures/home/make-home-env.mjs';
import { testApp } from '../helpers/app';

/**
 * Which Home Manager release matches: the release of the nixpkgs Home Manager builds with (a user
 * `nixpkgs` channel first, else root's `nixos` channel, as NIX_PATH has them; a flake-built system's
 * nixpkgs input), not the running system's `nixos-version` alone.
 */
async function statusIn(opts: Record<string, unknown>, prepare: (fix: ReturnType<typeof makeHomeEnv>) => void = () => {}, env: Record<string, string> = {}) {
  const fix = makeHomeEnv(opts);
  prepare(fix);
  const restore = applyEnv({ ...fix.env, ...env });
  try {
    const app = await testApp({ ...fix.host });
    return await app.call('home.status', {});
  } finally {
    restore();
  }
}

/** /etc/nixos/flake.lock of a system built from a flake, its nixpkgs input following `ref`. */
function systemFlakeLock(fix: ReturnType<typeof makeHomeEnv>, ref: string) {
  mkdirSync(fix.host.nixosConfigDir, { recursive: true });
  writeFileSync(path.join(fix.host.nixosConfigDir, 'flake.nix'), '{ outputs = { self, nixpkgs }: { }; }\n');
  writeFileSync(
    path.join(fix.host.nixosConfigDir, 'flake.lock'),
    JSON.stringify({
      nodes: {
        nixpkgs: {
          locked: { lastModified: 1736344531, narHash: 'sha256-8/rJJr3eVhLsd5A+Jy5PlLWOCr0IV2Wh6DFVXm2BmKU=', owner: 'NixOS', repo: 'nixpkgs', rev: '2d9e4457f8e83120c9fdf6f1707ed0bc603e5ac9', type: 'github' },
          original: { owner: 'NixOS', ref, repo: 'nixpkgs', type: 'github' },
        },
        root: { inputs: { nixpkgs: 'nixpkgs' } },
      },
      root: 'root',
      version: 7,
    }),
  );
}

describe('home.status: the Home Manager release follows the nixpkgs it builds with', () => {
  it('a user nixpkgs channel on unstable wins over a 24.11 system: master', async () => {
    const status = await statusIn({ nixosVersion: '24.11.716.5e4fbfb6b3de (Vicuna)' }, (fix) => subscribeNixpkgsChannel(fix, '25.05pre738657.2d9e4457f8e8'));
    expect(status.system).toMatchObject({ source: 'user-channel', release: '25.05', unstable: true, certain: true, nixosVersion: '24.11.716.5e4fbfb6b3de (Vicuna)' });
    expect(status.system.detail).toBe('your nixpkgs channel (nixpkgs 25.05pre738657.2d9e4457f8e8)');
    expect(status.recommended?.branch).toBe('master');
  });

  it('without a user channel, root’s nixos channel decides', async () => {
    const status = await statusIn({ nixosVersion: '25.05.802216.55d1f923c480 (Warbler)', rootChannel: '25.11.1234.abcdef012345' });
    expect(status.system).toMatchObject({ source: 'root-channel', release: '25.11', unstable: false, certain: true });
    expect(status.recommended?.branch).toBe('release-25.11');
  });

  it('a flake-built unstable system (25.05.20250108.2d9e445, no "pre") is read from its flake: master, not release-25.05', async () => {
    const status = await statusIn({ nixosVersion: '25.05.20250108.2d9e445 (Warbler)', rootChannel: null }, (fix) => systemFlakeLock(fix, 'nixos-unstable'), { NIX_PATH: 'nixpkgs=flake:nixpkgs' });
    expect(status.system).toMatchObject({ source: 'system-flake', unstable: true, certain: true });
    expect(status.recommended?.branch).toBe('master');
    const stable = await statusIn({ nixosVersion: '24.11.20241210.a73246e (Vicuna)', rootChannel: null }, (fix) => systemFlakeLock(fix, 'nixos-24.11'), { NIX_PATH: 'nixpkgs=flake:nixpkgs' });
    expect(stable.system).toMatchObject({ source: 'system-flake', release: '24.11', unstable: false, certain: true });
    expect(stable.recommended?.branch).toBe('release-24.11');
  });

  it('with nothing but a flake-style nixos-version, a stable release is never assumed', async () => {
    const unknown = await statusIn({ nixosVersion: '25.11.20251201.abcdef1 (Xantusia)', rootChannel: null });
    expect(unknown.system).toMatchObject({ source: 'nixos-version', release: '25.11', certain: false });
    expect(unknown.recommended).toBeNull();
    // dated before May 2025, a 25.05 version can only be unstable: release-25.05 did not exist yet
    const early = await statusIn({ nixosVersion: '25.05.20250108.2d9e445 (Warbler)', rootChannel: null });
    expect(early.system).toMatchObject({ source: 'nixos-version', unstable: true, certain: true });
    expect(early.recommended?.branch).toBe('master');
  });
});
