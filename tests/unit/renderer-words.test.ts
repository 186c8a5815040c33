import { describe, expect, it } from 'vitest';
import { formatDay, formatWhen, isoTitle } from '../../renderer/lib/dates';
import { releaseInWords, versionChange, versionDetail } from '../../renderer/lib/release';
import { systemPackagesIn } from '../../renderer/lib/config-packages';

const now = new Date(2025, 2, 20, 15, 0, 0).getTime(); // 20 Mar 2025, 15:00 local
const ago = (ms: number) => new Date(now - ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('formatWhen: the one date format', () => {
  it('says how long ago within the last week', () => {
    expect(formatWhen(ago(20_000), now)).toBe('just now');
    expect(formatWhen(ago(MIN), now)).toBe('1 minute ago');
    expect(formatWhen(ago(34 * MIN), now)).toBe('34 minutes ago');
    expect(formatWhen(ago(2 * HOUR + 5 * MIN), now)).toBe('2 hours ago');
    expect(formatWhen(ago(1 * HOUR), now)).toBe('1 hour ago');
    expect(formatWhen(ago(DAY + HOUR), now)).toBe('yesterday');
    expect(formatWhen(ago(6 * DAY), now)).toBe('6 days ago');
  });
  it('writes the day from a week on, and for dates in the future', () => {
    expect(formatWhen(ago(7 * DAY), now)).toBe('13 Mar 2025');
    expect(formatWhen(new Date(2024, 11, 2, 9, 30).toISOString(), now)).toBe('2 Dec 2024');
    expect(formatWhen(new Date(now + 3 * DAY).toISOString(), now)).toBe('23 Mar 2025');
    expect(formatDay(new Date(2025, 0, 1))).toBe('1 Jan 2025');
  });
  it('says so when a date cannot be read', () => {
    expect(formatWhen('not a date', now)).toBe('unknown date');
  });
  it('gives the full local date, time and offset for the tooltip', () => {
    const title = isoTitle(new Date(2025, 2, 12, 14, 3, 22));
    expect(title).toMatch(/^2025-03-12T14:03:22(Z|[+-]\d\d:\d\d)$/);
  });
});

describe('releaseInWords: a NixOS version as a person names it', () => {
  it('names the release and its code name, without the revision', () => {
    expect(releaseInWords('24.11.711521.a73246e3eeb8 (Vicuna)')).toBe('NixOS 24.11 Vicuna');
    expect(releaseInWords('24.11.711521.a73246e3eeb8', 'NixOS 24.11 (Vicuna)')).toBe('NixOS 24.11 Vicuna');
    expect(releaseInWords('25.05pre738657.2d9e4457f8e8')).toBe('NixOS 25.05 (unstable)');
    expect(releaseInWords('24.05.7376.b134951a4c9f', 'NixOS 24.11 (Vicuna)')).toBe('NixOS 24.05');
    expect(releaseInWords('unknown')).toBeNull();
    expect(versionDetail('24.11.711521.a73246e3eeb8')).toBe('711521.a73246e3eeb8');
  });
});

describe('versionChange: a version pair in words', () => {
  it('says No change when nothing changed, and names releases when they differ', () => {
    expect(versionChange('24.11.711521.a73246e3eeb8', '24.11.711521.a73246e3eeb8')).toBe('No change (NixOS 24.11)');
    expect(versionChange('24.05.7376.b134951a4c9f (Uakari)', '24.11.711521.a73246e3eeb8 (Vicuna)')).toBe('NixOS 24.05 Uakari → NixOS 24.11 Vicuna');
    expect(versionChange('24.11.710315.0c582677378f', '24.11.711521.a73246e3eeb8')).toBe('24.11.710315.0c582677378f → 24.11.711521.a73246e3eeb8');
    expect(versionChange(null, null)).toBe('No change');
  });
});

describe('systemPackagesIn: what the configuration lists', () => {
  it('reads with-pkgs lists, pkgs.x names and concatenations, not comments or other lists', () => {
    const names = systemPackagesIn(`{ pkgs, ... }: {
  environment.systemPackages = with pkgs; [
    hello
    ripgrep # search
    # vim
    gitAndTools.git
  ] ++ [ pkgs.htop ];
  fonts.packages = [ pkgs.noto-fonts ];
}`);
    expect([...names].sort()).toEqual(['git', 'gitAndTools.git', 'hello', 'htop', 'ripgrep']);
    expect(systemPackagesIn('{ services.openssh.enable = true; }').size).toBe(0);
  });
});
