import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePathInfoJson } from '../../electron/services/system/closure';
import { parseGcSummary, parseRoots } from '../../electron/services/system/cleanup';
import { configurationRevisionFromScript } from '../../electron/services/system/generations';
import { readChannelList, releaseFromChannelPath, releaseSeries } from '../../electron/services/system/channels';

/** nixpkgs' nixos/modules/installer/tools/nixos-version.sh after substitution, as it lands in sw/bin */
function nixosVersionScript(configurationRevision: string | null) {
  const rev = configurationRevision ?? '@configurationRevision@';
  return `#! /nix/store/abc-bash-5.2/bin/bash
# shellcheck shell=bash

case "$1" in
  -h|--help)
    exec man nixos-version
    exit 1
    ;;
  --hash|--revision)
    if ! [[ 1a2b3c =~ ^[0-9a-f]+$ ]]; then
      echo "$0: Nixpkgs commit hash is unknown" >&2
      exit 1
    fi
    echo "1a2b3c"
    ;;
  --configuration-revision)
    if [[ "${rev}" =~ "@" ]]; then
      echo "$0: configuration revision is unknown" >&2
      exit 1
    fi
    echo "${rev}"
    ;;
  --json)
    cat <<'EOF'
{"nixosVersion":"24.11.716.abc"}
EOF
    ;;
  *)
    echo "24.11.716.abc (Vicuna)"
    ;;
esac
`;
}

describe('configurationRevisionFromScript', () => {
  it('reads the substituted revision', () => {
    expect(configurationRevisionFromScript(nixosVersionScript('9f8e7d6c'))).toBe('9f8e7d6c');
  });
  it('gives "" when the revision was never substituted (the script exits 1)', () => {
    expect(configurationRevisionFromScript(nixosVersionScript(null))).toBe('');
  });
  it('gives "" for old scripts without the flag (they print their default line, which nixos-rebuild discards)', () => {
    const old = `#! /bin/sh\ncase "$1" in\n  --hash|--revision)\n    echo "1a2b3c"\n    ;;\n  *)\n    echo "20.03.1 (Markhor)"\n    ;;\nesac\n`;
    expect(configurationRevisionFromScript(old)).toBe('');
  });
  it('declines what it cannot read with certainty', () => {
    expect(configurationRevisionFromScript('\x7fELF\0\0binary')).toBeNull();
    expect(configurationRevisionFromScript('#!/bin/sh\necho hi\n')).toBeNull();
    expect(configurationRevisionFromScript(nixosVersionScript('$(git rev-parse HEAD)'))).toBeNull();
  });
});

describe('parseGcSummary', () => {
  it('reads Nix 2.8 and newer summaries', () => {
    expect(parseGcSummary('12028 store paths deleted, 3.26 MiB freed')).toEqual({ pathsDeleted: 12028, bytesFreed: Math.round(3.26 * 2 ** 20) });
    expect(parseGcSummary('0 store paths deleted, 0.00 MiB freed')).toEqual({ pathsDeleted: 0, bytesFreed: 0 });
    expect(parseGcSummary('2 store paths deleted, 1.5 GiB freed')).toEqual({ pathsDeleted: 2, bytesFreed: 1.5 * 2 ** 30 });
    expect(parseGcSummary('deleting unused links...')).toBeNull();
  });
});

describe('parseRoots', () => {
  it('splits "<root> -> <path>" lines, including censored runtime roots', () => {
    expect(parseRoots('/nix/var/nix/profiles/system-2-link -> /nix/store/aaa-nixos-system\n{censored} -> /nix/store/bbb-bash\n')).toEqual([
      { root: '/nix/var/nix/profiles/system-2-link', target: '/nix/store/aaa-nixos-system' },
      { root: '{censored}', target: '/nix/store/bbb-bash' },
    ]);
  });
});

describe('parsePathInfoJson', () => {
  it('reads the array form (Nix < 2.19) and the object form (newer)', () => {
    const arr = JSON.stringify([{ path: '/nix/store/a-x', narSize: 10, references: ['/nix/store/b-y'], closureSize: 30 }]);
    const obj = JSON.stringify({ '/nix/store/a-x': { narSize: 10, references: ['/nix/store/b-y'] }, '/nix/store/c-gone': null });
    expect(parsePathInfoJson(arr)).toEqual([{ path: '/nix/store/a-x', narSize: 10, references: ['/nix/store/b-y'], closureSize: 30 }]);
    expect(parsePathInfoJson(obj)).toEqual([{ path: '/nix/store/a-x', narSize: 10, references: ['/nix/store/b-y'] }]);
  });
});

describe('channels', () => {
  it('reads ~/.nix-channels like nix-channel', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-ch-'));
    const file = path.join(dir, '.nix-channels');
    writeFileSync(file, '# comment\nhttps://channels.nixos.org/nixos-24.11 nixos\nhttps://example.org/foo/home-manager///\n\n');
    expect([...(await readChannelList(file))]).toEqual([
      ['nixos', 'https://channels.nixos.org/nixos-24.11'],
      ['home-manager', 'https://example.org/foo/home-manager'],
    ]);
  });
  it('names the release series of a channel', () => {
    expect(releaseSeries('https://channels.nixos.org/nixos-24.11')).toBe('24.11');
    expect(releaseSeries('https://channels.nixos.org/nixos-24.11-small/')).toBe('24.11');
    expect(releaseSeries('nixos-25.05.123.abc')).toBe('25.05');
    expect(releaseSeries('https://channels.nixos.org/nixos-unstable')).toBe('unstable');
    expect(releaseSeries('https://example.org/whatever')).toBeNull();
    expect(releaseFromChannelPath('/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-24.11/nixos')).toBe('nixos-24.11');
  });
});
