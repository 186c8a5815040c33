import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, SearchIndex } from '../../electron/services/search/engine';
import { parseOptionsJson, parsePackagesJson } from '../../electron/services/search/parse';
import { normalizeName, segmentTerms } from '../../electron/services/search/text';
import { nixosWordsFor, vocabulary } from '../../electron/services/search/vocabulary';
import { sharedData } from '../support/nix.mjs';

const meta = { kind: 'test', builtAt: '', sourceKey: 'k' };
const read = (file: string) => brotliDecompressSync(readFileSync(sharedData(file))).toString();
const names = (index: SearchIndex, q: string, limit = 10) => index.search(q, { limit, offset: 0 }).hits.map((h) => index.name(h.doc));

describe('NixOS vocabulary', () => {
  it('finds the NixOS words for a word, a plural and a phrase', () => {
    expect(nixosWordsFor('cups')).toContain('printing');
    expect(nixosWordsFor('printers')).toContain('printing');
    expect(nixosWordsFor('static ip')).toContain('networking.interfaces.<name>.ipv4.addresses');
    expect(nixosWordsFor('E-Book')).toContain('calibre');
    expect(nixosWordsFor('ebook')).toContain('calibre');
    expect(nixosWordsFor('no such thing')).toEqual([]);
  });

  it('names only things that exist: every option path and every name word is in the real data', () => {
    const all = [
      ...Object.keys(JSON.parse(read('nixos-options-unstable-2025-02.json.br'))),
      ...Object.keys(JSON.parse(read('home-manager-options.json.br'))),
      ...read('nixpkgs-attr-names-unstable-2025-02.txt.br').split('\n'),
    ];
    // an option path is an option or the start of some (xdg.portal)
    const full = new Set(all.flatMap((n) => n.split('.').map((_, i, seg) => normalizeName(seg.slice(0, i + 1).join('.')))));
    const words = new Set<string>();
    for (const n of all) for (const s of n.split('.')) for (const t of segmentTerms(s)) words.add(t);
    const unknown = vocabulary.flatMap((c) => c.nixos.filter((t) => (t.includes('.') ? !full.has(normalizeName(t)) : !words.has(normalizeName(t)))));
    expect(unknown).toEqual([]);
  }, 60_000);
});

describe('the vocabulary in the search', () => {
  let options: SearchIndex;
  let packages: SearchIndex;
  beforeAll(async () => {
    options = SearchIndex.fromBuffer(await buildIndex(parseOptionsJson(JSON.parse(read('nixos-options-unstable-2025-02.json.br')), { source: 'nixos', revision: 'master' }), meta));
    const pkg = (description: string) => ({ name: 'x-1.0', version: '1.0', meta: { description } });
    const { docs } = parsePackagesJson({
      version: 2,
      packages: {
        zathura: pkg('Highly customizable and functional PDF viewer'),
        calibre: pkg('Comprehensive e-book software'),
        'kodiPackages.pdfreader': pkg('PDF reader for Kodi'),
        'texlivePackages.ebook': pkg('Helps creating an ebook'),
        ebook: pkg('A package literally named ebook'),
      },
    });
    packages = SearchIndex.fromBuffer(await buildIndex(docs, meta));
  }, 60_000);

  it('finds what NixOS calls the thing a newcomer names', () => {
    expect(names(options, 'cups')[0]).toBe('services.printing.enable');
    expect(names(options, 'enable flakes')[0]).toBe('nix.settings');
    expect(names(options, 'allow unfree')[0]).toBe('nixpkgs.config');
    expect(names(options, 'static ip address', 3)).toContain('networking.interfaces.<name>.ipv4.addresses');
    expect(names(options, 'screen sharing wayland', 3)).toContain('xdg.portal.wlr.enable');
    expect(names(packages, 'pdf reader')[0]).toBe('zathura');
  });

  it('never puts a NixOS word above an exact hit on the word typed', () => {
    expect(names(packages, 'ebook')[0]).toBe('ebook');
    expect(names(packages, 'ebook')[1]).toBe('calibre');
    expect(names(options, 'services.printing.enable')[0]).toBe('services.printing.enable');
    expect(names(options, 'printing')[0]).toBe('services.printing.enable');
  });

  it('treats action words as optional but still rewards them', () => {
    expect(names(options, 'enable docker')[0]).toBe('virtualisation.docker.enable');
    // "enable" alone is still a word to find
    expect(names(options, 'enable').length).toBeGreaterThan(0);
  });
});
