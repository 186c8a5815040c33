import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectExternalOpener, openLinkFromPage } from '../../electron/services/desktop/external';
import { tempDir, testApp } from '../helpers/app';

/**
 * The Electron shell's one way to the browser: main.ts hands `shell.openExternal` to
 * connectExternalOpener and sends every link a page tries to follow to openLinkFromPage. Here the
 * opener records instead of starting a browser; the allow-list is Learn's, the same one
 * `learn.openExternal` uses.
 */
describe('external links from the Electron shell', () => {
  it('opens allowed https addresses through the shell opener and refuses the rest before it is reached', async () => {
    const dir = tempDir('nc-links-');
    // xdg-open must not be what runs when the shell has given its opener: it would record here
    const xdgLog = path.join(dir, 'xdg-open.txt');
    const xdg = path.join(dir, 'xdg-open');
    writeFileSync(xdg, `#!/bin/sh\n# STAND-IN for xdg-open: records its argument.\nprintf '%s\\n' "$1" >> '${xdgLog}'\n`);
    chmodSync(xdg, 0o755);
    const app = await testApp({ commands: { 'xdg-open': xdg } as never });
    const opened: string[] = [];
    connectExternalOpener(app.ctx, async (url) => void opened.push(url));

    expect(await openLinkFromPage(app.ctx, 'https://nixos.org/manual/nixos/stable/')).toEqual({ opened: true });
    expect(await openLinkFromPage(app.ctx, 'https://github.com/NixOS/nixpkgs/issues')).toEqual({ opened: true });
    for (const bad of [
      'https://evil.example/',
      'http://nixos.org/',
      'https://nixos.org.evil.example/',
      'https://user:pw@nixos.org/',
      'https://nixos.org:8443/',
      'https://github.com/someone-else/repo',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
      `https://nixos.org/${'a'.repeat(3000)}`,
    ]) {
      expect(await openLinkFromPage(app.ctx, bad), bad).toMatchObject({ opened: false });
    }
    expect(opened).toEqual(['https://nixos.org/manual/nixos/stable/', 'https://github.com/NixOS/nixpkgs/issues']);

    // the renderer's own method reaches the same opener, by the same rules
    await app.call('learn.openExternal', { url: 'https://wiki.nixos.org/wiki/Flakes' });
    expect((await app.callError('learn.openExternal', { url: 'https://evil.example/' })).code).toBe('refused');
    expect(opened.at(-1)).toBe('https://wiki.nixos.org/wiki/Flakes');
    expect(opened).toHaveLength(3);
    expect(existsSync(xdgLog) ? readFileSync(xdgLog, 'utf8') : '').toBe('');
    await app.dispose();
  });

  it('an opener that fails is reported, not thrown', async () => {
    const app = await testApp({});
    connectExternalOpener(app.ctx, async () => {
      throw new Error('no browser');
    });
    expect(await openLinkFromPage(app.ctx, 'https://nixos.org/')).toEqual({ opened: false, reason: 'failed' });
    await app.dispose();
  });
});
