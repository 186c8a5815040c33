import { describe, expect, it } from 'vitest';
import { closureEntryName, compareVersions, parseDrvName, sortByteOrder, storePathName } from '../../electron/services/system/store-names';

describe('parseDrvName (Nix DrvName)', () => {
  it.each([
    ['hello-2.12.1', 'hello', '2.12.1'],
    ['apache-httpd-2.0.48', 'apache-httpd', '2.0.48'],
    ['foo-1.2-bar', 'foo', '1.2-bar'],
    ['nixos-system-host-24.11.716.abc1234', 'nixos-system-host', '24.11.716.abc1234'],
    ['etc', 'etc', ''],
    ['unit-script-foo-start', 'unit-script-foo-start', ''],
    ['python3.11-requests-2.31.0', 'python3.11-requests', '2.31.0'],
    ['source', 'source', ''],
    ['trailing-', 'trailing-', ''],
    ['x-_1', 'x', '_1'],
  ])('%s -> %s / %s', (input, name, version) => {
    expect(parseDrvName(input)).toEqual({ name, version });
  });
});

describe('closureEntryName (diff-closures grouping)', () => {
  it('strips an output name, then splits', () => {
    expect(closureEntryName('/nix/store/00qqy70s281wpknbwm55gpav46vf4gvs-bar-2.0-bin')).toEqual({ name: 'bar', version: '2.0', output: 'bin' });
    expect(closureEntryName('/nix/store/00qqy70s281wpknbwm55gpav46vf4gvs-glibc-2.39-52-lib64')).toEqual({ name: 'glibc', version: '2.39-52', output: 'lib64' });
    expect(closureEntryName('/nix/store/00qqy70s281wpknbwm55gpav46vf4gvs-linux-6.6.1-modules')).toEqual({ name: 'linux', version: '6.6.1', output: 'modules' });
  });
  it('is as ambiguous as Nix: a lowercase version suffix counts as an output', () => {
    expect(closureEntryName('/nix/store/00qqy70s281wpknbwm55gpav46vf4gvs-foo-unstable')).toEqual({ name: 'foo', version: '', output: 'unstable' });
    expect(closureEntryName('/nix/store/00qqy70s281wpknbwm55gpav46vf4gvs-foo-1.0-unstable')).toEqual({ name: 'foo', version: '1.0', output: 'unstable' });
  });
  it('keeps digits and capitals that are not outputs', () => {
    expect(closureEntryName('/nix/store/00qqy70s281wpknbwm55gpav46vf4gvs-libX11-1.8.7')).toEqual({ name: 'libX11', version: '1.8.7', output: '' });
    expect(storePathName('/nix/store/00qqy70s281wpknbwm55gpav46vf4gvs-libX11-1.8.7')).toBe('libX11-1.8.7');
  });
});

describe('store path names parsed by hand, as the regexes of Nix would', () => {
  // The rules written as the regexes diff-closures uses, to check the hand-written fast path against.
  const byRegex = (p: string) => {
    const base = p.slice(p.lastIndexOf('/') + 1);
    const full = /^[0-9a-z]{32}-(.+)$/.exec(base)?.[1] ?? base;
    const m = /^(.*)-([a-z]+|lib32|lib64)$/.exec(full);
    return { ...parseDrvName(m ? m[1]! : full), output: m ? m[2]! : '' };
  };
  const hash = '0123456789abcdefghijklmnopqrstuv';
  const names = ['-bin', 'foo', 'foo-', 'foo-bin', 'foo-1.2-dev', 'glibc-2.40-66-lib32', 'x-lib64', 'a-b-c', 'perl5.40.0-Moo-2.005005', 'qt-6.8.1-Lib', 'linux-6.6.30-modules-shrunk', 'é-1', 'foo--bin', 'unstable-2024-01-01', '-', 'source'];
  it('agrees on every kind of name, with and without a hash', () => {
    for (const n of names) {
      for (const p of [`/nix/store/${hash}-${n}`, `/nix/store/${n}`, `/nix/store/${hash.toUpperCase()}-${n}`, `/nix/store/${hash.slice(1)}-${n}`]) {
        expect(closureEntryName(p), p).toEqual(byRegex(p));
        expect(storePathName(p), p).toBe(/^[0-9a-z]{32}-(.+)$/.exec(p.slice(p.lastIndexOf('/') + 1))?.[1] ?? p.slice(p.lastIndexOf('/') + 1));
      }
    }
  });
  it('sorts in byte order, surrogate pairs included', () => {
    expect(sortByteOrder(['b', 'a', 'B', '_'])).toEqual(['B', '_', 'a', 'b']);
    expect(sortByteOrder(['\u{1F600}', '\uFFFD', 'z'])).toEqual(['z', '\uFFFD', '\u{1F600}']);
  });
});

describe('compareVersions (Nix ordering)', () => {
  // The cases Nix's own test suite checks (tests/unit/libstore/names.cc and the old nix-env tests).
  it.each([
    ['1.0', '2.3', -1],
    ['2.1', '2.3', -1],
    ['2.3', '2.3', 0],
    ['2.5', '2.3', 1],
    ['3.1', '2.3', 1],
    ['2.3.1', '2.3', 1],
    ['2.3.1', '2.3a', 1],
    ['2.3pre1', '2.3', -1],
    ['2.3pre3', '2.3pre12', -1],
    ['2.3a', '2.3c', -1],
    ['2.3pre1', '2.3c', -1],
    ['2.3pre1', '2.3q', -1],
    ['24.05.1.abc', '24.11.2.def', -1],
    ['6.6.10', '6.6.9', 1],
    ['1.0-rc1', '1.0', 1],
  ])('%s vs %s = %i', (a, b, expected) => {
    expect(compareVersions(a as string, b as string)).toBe(expected);
    expect(compareVersions(b as string, a as string)).toBe(-(expected as number) || 0);
  });
  it('compares digit runs too long for an int as text, like Nix', () => {
    expect(compareVersions('99999999999', '100000000000')).toBe(1);
  });
});
