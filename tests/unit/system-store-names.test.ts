import { describe, expect, it } from 'vitest';
import { closureEntryName, compareVersions, parseDrvName, storePathName } from '../../electron/services/system/store-names';

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
