import { describe, expect, it } from 'vitest';
import { candidateStableReleases, editionFileNames, latestUrl, parseSha256File, versionFromFileName } from '../../electron/services/installer/releases';

describe('release names', () => {
  it('derives the stable releases to probe from the date (May and November)', () => {
    expect(candidateStableReleases(new Date('2026-11-25T00:00:00Z'))).toEqual(['26.11', '26.05', '25.11']);
    expect(candidateStableReleases(new Date('2026-05-02T00:00:00Z'))).toEqual(['26.05', '25.11', '25.05']);
    expect(candidateStableReleases(new Date('2026-04-30T00:00:00Z'))).toEqual(['25.11', '25.05', '24.11']);
    expect(candidateStableReleases(new Date('2025-01-10T00:00:00Z'))).toEqual(['24.11', '24.05', '23.11']);
    expect(candidateStableReleases(new Date('2025-10-31T00:00:00Z'))).toEqual(['25.05', '24.11', '24.05']);
  });

  it('names graphical images per desktop before 25.05 and "graphical" after', () => {
    expect(editionFileNames('nixos-24.11', 'graphical')[0]).toBe('gnome');
    expect(editionFileNames('nixos-24.11', 'graphical')).toContain('plasma6');
    expect(editionFileNames('nixos-25.05', 'graphical')[0]).toBe('graphical');
    expect(editionFileNames('nixos-unstable', 'graphical')[0]).toBe('graphical');
    expect(editionFileNames('nixos-23.05', 'minimal')).toEqual(['minimal']);
  });

  it('builds the latest-* URL like the channel server', () => {
    expect(latestUrl('https://channels.nixos.org/', 'nixos-24.11', 'minimal', 'x86_64')).toBe('https://channels.nixos.org/nixos-24.11/latest-nixos-minimal-x86_64-linux.iso');
  });

  it('reads the exact release from the versioned file name', () => {
    expect(versionFromFileName('nixos-minimal-24.11.711815.abc123-x86_64-linux.iso')).toBe('24.11.711815.abc123');
    expect(versionFromFileName('nixos-graphical-25.05.802216.55d1f923c480-aarch64-linux.iso')).toBe('25.05.802216.55d1f923c480');
    expect(versionFromFileName('nixos-plasma6-24.05.1234.abc-x86_64-linux.iso')).toBe('24.05.1234.abc');
    expect(versionFromFileName('debian.iso')).toBeNull();
  });

  it('parses the published .sha256 (no trailing newline), whatever the file name inside', () => {
    const hex = '6b1a2c0a4f6d0c2b8d9e7f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e';
    expect(parseSha256File(`${hex}  nixos-minimal-24.11.711815.abc-x86_64-linux.iso`)).toEqual({ sha256: hex, fileName: 'nixos-minimal-24.11.711815.abc-x86_64-linux.iso' });
    expect(parseSha256File(`${hex.toUpperCase()} *x.iso\n`)).toEqual({ sha256: hex, fileName: 'x.iso' });
    expect(parseSha256File(hex)).toEqual({ sha256: hex, fileName: null });
    expect(parseSha256File('<html>404</html>')).toBeNull();
  });
});
