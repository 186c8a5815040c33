import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNix } from '../../electron/services/installer/starter-config';
import { tempDir, testApp } from '../helpers/app';

/** The starter configuration.nix through the real `nix-instantiate --parse`. */
describe('installer.starterConfig with real nix-instantiate', () => {
  let dir: string;
  let app: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    dir = tempDir('nc-starter-');
    app = await testApp({ starterConfigDir: path.join(dir, 'starter') });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const form = { hostname: 'nixbox', userName: 'alice', fullName: 'Alice', timeZone: 'America/New_York', keyboardLayout: 'us', locale: 'en_US.UTF-8', ssh: true, flakes: true } as const;

  it('parses for every desktop choice', async () => {
    for (const [desktop, release] of [['none', undefined], ['gnome', '25.05'], ['gnome', '25.11'], ['plasma', undefined], ['xfce', '26.05']] as const) {
      const r = await app.call('installer.starterConfig', { ...form, desktop, ...(release ? { release } : {}) });
      expect(r.checked).toBe(true);
      expect(r.parseError, r.content).toBeNull();
      expect(r.valid).toBe(true);
    }
  });

  it('really runs the parser: broken Nix is reported with its position', async () => {
    const err = await parseNix(app.ctx, '{ networking.hostName = "x" }');
    expect(err).toMatch(/syntax error/);
    expect(err).toMatch(/1:/);
  });

  it('saves it in the starter folder, keeping an older different one', async () => {
    const first = await app.call('installer.saveStarterConfig', { ...form, desktop: 'none' });
    expect(first.path).toBe(path.join(dir, 'starter', 'configuration.nix'));
    expect(readFileSync(first.path, 'utf8')).toContain('networking.hostName = "nixbox";');
    await app.call('installer.saveStarterConfig', { ...form, desktop: 'gnome', release: '25.05' });
    expect(readFileSync(first.path, 'utf8')).toContain('services.xserver.desktopManager.gnome.enable = true;');
    expect(readFileSync(first.path, 'utf8')).toContain('system.stateVersion = "25.05";');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(dir, 'starter')).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
  });

  it('refuses invalid form values at the boundary', async () => {
    const err = await app.callError('installer.starterConfig', { ...form, desktop: 'none', hostname: '-bad-' });
    expect(err.code).toBe('invalid-params');
  });
});
