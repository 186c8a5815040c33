import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, SearchIndex, type SourceDoc } from '../../electron/services/search/engine';
import { parseOptionsJson, parsePackagesJson } from '../../electron/services/search/parse';
import { dropApostrophes, editDistance, segmentTerms, stem } from '../../electron/services/search/text';
import { sharedData } from '../support/nix.mjs';

const meta = { kind: 'test', builtAt: '', sourceKey: 'k' };
const names = (index: SearchIndex, q: string, limit = 10) => index.search(q, { limit, offset: 0 }).hits.map((h) => index.name(h.doc));

function pkg(attr: string, description: string, mainProgram?: string) {
  return { name: `${attr}-1.0`, pname: attr.split('.').pop(), version: '1.0', meta: { description, ...(mainProgram ? { mainProgram } : {}) } };
}

describe('search engine on packages', () => {
  let index: SearchIndex;
  beforeAll(async () => {
    const { docs } = parsePackagesJson({
      version: 2,
      packages: {
        ripgrep: pkg('ripgrep', 'Utility that combines the usability of The Silver Searcher with the raw speed of grep', 'rg'),
        'ripgrep-all': pkg('ripgrep-all', 'Ripgrep, but also search in PDFs, E-Books, Office documents, zip, tar.gz, etc.', 'rga'),
        rgp: pkg('rgp', 'Radeon GPU profiler'),
        'emacsPackages.rg': pkg('emacsPackages.rg', 'Emacs package rg'),
        vscode: pkg('vscode', 'Lightweight but powerful source code editor', 'code'),
        'code-server': pkg('code-server', 'Run VS Code on a remote server'),
        firefox: pkg('firefox', 'Web browser built from Firefox source tree', 'firefox'),
        'firefox-esr': pkg('firefox-esr', 'Web browser built from Firefox source tree', 'firefox'),
        'docker-compose': pkg('docker-compose', 'Docker CLI plugin to define and run multi-container applications with Docker', 'docker-compose'),
        docker_27: pkg('docker_27', 'Open source project to pack, ship and run any application as a lightweight container', 'docker'),
        'python313Packages.numpy': pkg('python313Packages.numpy', 'Scientific tools for Python'),
        'python312Packages.numpy': pkg('python312Packages.numpy', 'Scientific tools for Python'),
        neovim: pkg('neovim', 'Vim text editor fork focused on extensibility and agility', 'nvim'),
        vim: pkg('vim', 'The most popular clone of the VI editor', 'vim'),
      },
    });
    index = SearchIndex.fromBuffer(await buildIndex(docs, meta));
  });

  it('puts the exact name first, then a program of that name, then prefixes', () => {
    expect(names(index, 'ripgrep')[0]).toBe('ripgrep');
    expect(names(index, 'rg')[0]).toBe('ripgrep');
    expect(names(index, 'code')[0]).toBe('vscode');
    expect(names(index, 'nvim')[0]).toBe('neovim');
    expect(names(index, 'fire').slice(0, 2)).toEqual(['firefox', 'firefox-esr']);
  });

  it('treats - and _ alike, ignores case, and ranks top-level attributes above package sets', () => {
    expect(names(index, 'docker_compose')[0]).toBe('docker-compose');
    expect(names(index, 'docker compose')[0]).toBe('docker-compose');
    expect(names(index, 'docker-27')[0]).toBe('docker_27');
    expect(names(index, 'RipGrep')[0]).toBe('ripgrep');
    expect(names(index, 'numpy')).toEqual(['python312Packages.numpy', 'python313Packages.numpy']);
  });

  it('tolerates a typo without letting it outrank an exact hit', () => {
    expect(names(index, 'ripgrpe')[0]).toBe('ripgrep');
    expect(names(index, 'firefx')[0]).toBe('firefox');
    expect(names(index, 'vim')[0]).toBe('vim');
  });

  it('searches description words, and -word excludes', () => {
    expect(names(index, 'text editor', 3)).toEqual(expect.arrayContaining(['neovim', 'vim']));
    expect(names(index, 'web browser -esr')).toEqual(['firefox']);
    expect(index.search('ripgrep -pdf', { limit: 10, offset: 0 }).hits.map((h) => index.name(h.doc))).not.toContain('ripgrep-all');
  });

  it('answers the same after its 16-bit per-query marks wrap around (more than 65,535 queries)', () => {
    const first = [names(index, 'fire'), names(index, 'web browser -esr'), names(index, 'ripgrpe')];
    for (let i = 0; i < 70_000; i++) index.search(i % 2 ? 'fire' : 'text editor', { limit: 5, offset: 0 });
    expect([names(index, 'fire'), names(index, 'web browser -esr'), names(index, 'ripgrpe')]).toEqual(first);
    expect(names(index, 'web browser -esr')).toEqual(['firefox']);
  });

  it('pages with offset and limit and counts every match', () => {
    const all = index.search('e', { limit: 100, offset: 0 });
    const page = index.search('e', { limit: 2, offset: 2 });
    expect(page.total).toBe(all.total);
    expect(page.hits.map((h) => h.doc)).toEqual(all.hits.slice(2, 4).map((h) => h.doc));
    expect(index.search('', { limit: 10, offset: 0 })).toEqual({ hits: [], total: 0 });
  });
});

describe('search engine: which of several similar packages a person means', () => {
  let index: SearchIndex;
  beforeAll(async () => {
    const { docs } = parsePackagesJson({
      version: 2,
      packages: {
        firefly: pkg('firefly', 'Personal finances manager'),
        firefox: pkg('firefox', 'Web browser built from Firefox source tree', 'firefox'),
        'firefox-bin': pkg('firefox-bin', 'Mozilla Firefox, free web browser (binary package)', 'firefox'),
        'firefox-esr': pkg('firefox-esr', 'Web browser built from Firefox source tree', 'firefox'),
        tmsu: pkg('tmsu', 'Tool for tagging your files'),
        tmux: pkg('tmux', 'Terminal multiplexer', 'tmux'),
        tmuxinator: pkg('tmuxinator', 'Manage complex tmux sessions easily', 'tmuxinator'),
        'tmuxPlugins.resurrect': pkg('tmuxPlugins.resurrect', 'Restore tmux environment after system restart'),
      },
    });
    index = SearchIndex.fromBuffer(await buildIndex(docs, meta));
  });

  it('prefers, among equally good matches, the package nixpkgs carries in variants and plugins', () => {
    // firefly and firefox are both 7 letters that "firef" starts; tmsu and tmux are both one typo from "tmxu"
    expect(names(index, 'firef')[0]).toBe('firefox');
    expect(names(index, 'tmxu')[0]).toBe('tmux');
    // a name typed in full is still that name
    expect(names(index, 'firefly')[0]).toBe('firefly');
    expect(names(index, 'tmsu')[0]).toBe('tmsu');
  });

  it('finds a program by its capitalised name', () => {
    expect(names(index, 'Firefox')[0]).toBe('firefox');
    expect(names(index, 'TMUX')[0]).toBe('tmux');
  });
});

describe('search engine on the real NixOS options', () => {
  let index: SearchIndex;
  beforeAll(async () => {
    const data = JSON.parse(brotliDecompressSync(readFileSync(sharedData('nixos-options-unstable-2025-02.json.br'))).toString());
    index = SearchIndex.fromBuffer(await buildIndex(parseOptionsJson(data, { source: 'nixos', revision: 'master' }), meta));
  }, 60_000);

  it('puts a module’s enable option first for the module name', () => {
    expect(names(index, 'openssh')[0]).toBe('services.openssh.enable');
    expect(names(index, 'nginx')[0]).toBe('services.nginx.enable');
    expect(names(index, 'bluetooth')[0]).toBe('hardware.bluetooth.enable');
    expect(names(index, 'docker')[0]).toBe('virtualisation.docker.enable');
  });

  it('matches dotted paths, their last segments and camelCase parts', () => {
    expect(names(index, 'services.openssh.enable')[0]).toBe('services.openssh.enable');
    expect(names(index, 'openssh.settings.PermitRootLogin')[0]).toBe('services.openssh.settings.PermitRootLogin');
    expect(names(index, 'permitrootlogin')[0]).toBe('services.openssh.settings.PermitRootLogin');
    expect(names(index, 'permit root login')[0]).toBe('services.openssh.settings.PermitRootLogin');
    expect(names(index, 'networking.firewall.allowedTCPPorts')[0]).toBe('networking.firewall.allowedTCPPorts');
  });

  it('understands intent', () => {
    expect(names(index, 'ssh server', 3)).toContain('services.openssh.enable');
    expect(names(index, 'opnessh', 3)).toContain('services.openssh.enable');
  });

  it('prefers an option whose name holds every word over the module switch, and treats plurals alike', () => {
    expect(names(index, 'pipewire pulse', 3)).toContain('services.pipewire.pulse.enable');
    expect(names(index, 'sudo without password')[0]).toBe('security.sudo.wheelNeedsPassword');
    // "port" finds allowedTCPPorts as well as the PortRanges options
    expect(names(index, 'firewall allow port', 3)).toContain('networking.firewall.allowedTCPPorts');
    // a single module word still puts the module's switch first
    expect(names(index, 'pipewire')[0]).toBe('services.pipewire.enable');
  });

  it('reads sentences: apostrophes, "no", one missing word, and a module switch only when no sibling names the other words', () => {
    expect(names(index, 'sudo no password')[0]).toBe('security.sudo.wheelNeedsPassword');
    expect(names(index, "computer's name", 10)).toContain('networking.hostName');
    expect(names(index, 'zsh as default shell for everyone', 10)).toContain('users.defaultUserShell');
    expect(names(index, 'clean nix store automatically', 10)).toContain('nix.gc.automatic');
    // the module named and another word in the name of one of its options: that option, not the switch
    expect(names(index, 'pipewire pulse')[0]).not.toBe('services.pipewire.enable');
    // a module word ("daemon") or a synonym does not take the switch's place
    expect(names(index, 'ssh daemon')[0]).toBe('services.openssh.enable');
    expect(names(index, 'fingerprint login')[0]).toBe('services.fprintd.enable');
  });

  it('puts the module’s enable option first for the start of its name or a typo of it', () => {
    expect(names(index, 'ngnx')[0]).toBe('services.nginx.enable');
    expect(names(index, 'immi')[0]).toBe('services.immich.enable');
    expect(names(index, 'vaultw')[0]).toBe('services.vaultwarden.enable');
    expect(names(index, 'tailsc')[0]).toBe('services.tailscale.enable');
    // a whole module name is still that module, not a longer one it starts
    expect(names(index, 'vault')[0]).toBe('services.vault.enable');
  });

  it('answers questions in plain words: a missing word of prose costs little, a word naming a module scopes to it', () => {
    expect(names(index, 'change hostname')).toContain('networking.hostName');
    expect(names(index, 'open a port in the firewall')).toContain('networking.firewall.allowedTCPPorts');
    expect(names(index, 'bluetooth headset')).toContain('hardware.bluetooth.enable');
    // the module's own option before the same words elsewhere (services.*.openFirewall)
    expect(names(index, 'firewall allow port')[0]).toBe('networking.firewall.allowedTCPPorts');
  });

  it('survives a round trip through its file format', async () => {
    const copy = SearchIndex.fromBuffer(Buffer.from(await buildIndex([{ name: 'a.b', description: 'x', prior: 0, record: { n: 1 } } as SourceDoc], meta)));
    expect(copy.search('a.b', { limit: 1, offset: 0 }).hits.map((h) => copy.record(h.doc))).toEqual([{ n: 1 }]);
  });
});

describe('text helpers', () => {
  it('splits names into the words a person types', () => {
    expect(segmentTerms('PermitRootLogin')).toEqual(expect.arrayContaining(['permitrootlogin', 'permit', 'root', 'login']));
    expect(segmentTerms('docker_compose')).toEqual(expect.arrayContaining(['docker-compose', 'dockercompose', 'docker', 'compose']));
  });
  it('drops possessives and apostrophes, and reads adverbs as their adjective', () => {
    expect(dropApostrophes("computer's name")).toBe('computer name');
    expect(dropApostrophes('don\u2019t')).toBe('dont');
    expect(stem('automatically')).toBe('automatic');
    expect(stem('manually')).toBe('manual');
    expect(stem('only')).toBe('only');
  });
  it('measures edit distance with transpositions', () => {
    expect(editDistance('ripgrep', 'ripgrpe', 2)).toBe(1);
    expect(editDistance('firefox', 'firefx', 2)).toBe(1);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });
});
