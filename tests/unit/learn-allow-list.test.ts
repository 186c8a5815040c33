import { describe, expect, it } from 'vitest';
import { isAllowedUrl } from '../../electron/services/learn/open-external';
import { learnEntryIds } from '../../shared/contract/learn';
import { entries } from '../../electron/services/learn/entries';

describe('link allow-list', () => {
  it('allows NixOS sites and the NixOS and nix-community GitHub organisations', () => {
    for (const url of ['https://nixos.org/manual/nixos/stable/', 'https://search.nixos.org/options?query=ssh', 'https://wiki.nixos.org/wiki/Flakes', 'https://nix.dev/', 'https://discourse.nixos.org/', 'https://github.com/NixOS/nixpkgs/blob/master/x.nix', 'https://github.com/nix-community/home-manager']) {
      expect(isAllowedUrl(url), url).toBe(true);
    }
  });
  it('refuses everything else', () => {
    for (const url of ['http://nixos.org/', 'https://nixos.org.evil.com/', 'https://evilnixos.org/', 'https://github.com/NixOSx/a', 'https://github.com/', 'https://a:b@nixos.org/', 'https://nixos.org:8443/', 'file:///etc/passwd', 'not a url', 'https://www.youtube.com/watch?v=other']) {
      expect(isAllowedUrl(url), url).toBe(false);
    }
  });
  it('has an entry for every id the contract exports', () => {
    expect(Object.keys(entries).sort()).toEqual([...learnEntryIds].sort());
  });
});
