import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, testApp } from '../helpers/app';
import { setExternalOpener } from '../../electron/services/learn/open-external';
import { learnEntryIds } from '../../shared/contract/learn';
// @ts-expect-error plain JS fixture
import { makePackagesJson } from '../fixtures/search/make-packages.mjs';

/** STAND-IN for xdg-open (no desktop session here): records the address it was asked to open, exits 0 like xdg-open does. */
function recorder(dir: string) {
  const log = path.join(dir, 'opened.txt');
  const bin = path.join(dir, 'xdg-open');
  writeFileSync(bin, `#!/bin/sh\n# STAND-IN for xdg-open: records its argument instead of starting a browser.\nprintf '%s\\n' "$1" >> '${log}'\nexit 0\n`);
  chmodSync(bin, 0o755);
  return { bin, opened: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('learn', () => {
  it('lists every entry id the contract declares, with resources that open', async () => {
    const dir = tempDir('nc-learn-');
    const rec = recorder(dir);
    const app = await testApp({ commands: { 'xdg-open': rec.bin } as never, cacheDir: path.join(dir, 'cache') });
    const { entries, resources } = await app.call('learn.entries', {});
    expect(entries.map((e) => e.id).sort()).toEqual([...learnEntryIds].sort());
    for (const e of entries) for (const r of e.related) expect(learnEntryIds).toContain(r);
    expect(resources.map((r) => r.id)).toEqual(expect.arrayContaining(['nixos-manual', 'nix-manual', 'nix-pills', 'wiki', 'package-search', 'option-search', 'nix-hour', 'community']));
    for (const r of resources) await app.call('learn.openExternal', { url: r.url });
    for (const e of entries) for (const l of e.links) await app.call('learn.openExternal', { url: l.url });
    expect(rec.opened()).toContain('https://nixos.org/guides/nix-pills/');
    expect(rec.opened().length).toBe(resources.length + entries.reduce((n, e) => n + e.links.length, 0));
  });

  it('opens allowed addresses with xdg-open and refuses others, except a package’s exact homepage', async () => {
    const dir = tempDir('nc-learn-');
    const rec = recorder(dir);
    writeFileSync(path.join(dir, 'packages.json'), JSON.stringify(makePackagesJson({ names: ['ripgrep', 'firefox'] })));
    const app = await testApp({ commands: { 'xdg-open': rec.bin } as never, cacheDir: path.join(dir, 'cache'), packagesJsonFile: path.join(dir, 'packages.json') });
    await app.call('learn.openExternal', { url: 'https://github.com/NixOS/nixpkgs/blob/master/nixos/modules/services/networking/ssh/sshd.nix' });
    await app.call('learn.openExternal', { url: 'https://wiki.nixos.org/wiki/Flakes' });
    for (const url of ['https://evil.example.com/', 'http://nixos.org/', 'https://github.com/evil/nixpkgs', 'https://nixos.org.evil.com/', 'file:///etc/passwd', 'https://user@nixos.org/', 'javascript:alert(1)']) {
      const e = await app.callError('learn.openExternal', { url });
      expect(e.code, url).toMatch(/refused|invalid-params/);
    }
    // the homepage recorded for the package, exactly, and only with the package named
    await app.call('search.packages', { query: 'ripgrep' });
    await app.call('learn.openExternal', { url: 'https://github.com/BurntSushi/ripgrep', fromPackage: 'ripgrep' });
    expect((await app.callError('learn.openExternal', { url: 'https://github.com/BurntSushi/ripgrep/evil', fromPackage: 'ripgrep' })).code).toBe('refused');
    expect((await app.callError('learn.openExternal', { url: 'https://github.com/BurntSushi/ripgrep', fromPackage: 'firefox' })).code).toBe('refused');
    expect((await app.callError('learn.openExternal', { url: 'https://github.com/BurntSushi/ripgrep' })).code).toBe('refused');
    expect(rec.opened()).toEqual([
      'https://github.com/NixOS/nixpkgs/blob/master/nixos/modules/services/networking/ssh/sshd.nix',
      'https://wiki.nixos.org/wiki/Flakes',
      'https://github.com/BurntSushi/ripgrep',
    ]);
  });

  it('uses the opener the desktop shell provides instead of xdg-open', async () => {
    const app = await testApp({ commands: { 'xdg-open': '/nonexistent/xdg-open' } as never });
    const opened: string[] = [];
    setExternalOpener(app.ctx, async (url) => void opened.push(url));
    await app.call('learn.openExternal', { url: 'https://nix.dev/' });
    expect(opened).toEqual(['https://nix.dev/']);
    const other = await testApp({ commands: { 'xdg-open': '/nonexistent/xdg-open' } as never });
    expect((await other.callError('learn.openExternal', { url: 'https://nix.dev/' })).code).toBe('command-missing');
  });
});
