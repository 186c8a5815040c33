import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { learnEntryIds } from '../../shared/contract/learn';
import { entries, parseEntry } from '../../electron/services/learn/entries';

const contentDir = path.resolve(__dirname, '../../electron/services/learn/content');

describe('Learn entries are Markdown files', () => {
  it('one file per entry id, no file without an id', () => {
    expect(readdirSync(contentDir).sort()).toEqual(learnEntryIds.map((id) => `${id}.md`).sort());
  });

  it('each reads into a title, a one-sentence summary, paragraphs, related entries and links', () => {
    for (const id of learnEntryIds) {
      const e = entries[id];
      expect(e.id).toBe(id);
      expect(e.title.length).toBeGreaterThan(3);
      expect(e.summary).toMatch(/^[A-Z/].*\.$/);
      expect(e.paragraphs.length).toBeGreaterThan(0);
      for (const p of e.paragraphs) expect(p).not.toMatch(/^(#|Related:|- \[)/);
      for (const r of e.related) expect(learnEntryIds).toContain(r);
      for (const l of e.links) expect(l.url).toMatch(/^https:\/\//);
    }
    // the file as written, read back
    const text = readFileSync(path.join(contentDir, 'nix-store.md'), 'utf8');
    expect(entries['nix-store']).toEqual(parseEntry('nix-store', text));
    expect(entries['nix-store'].links).toEqual([{ label: 'Nix Pills: the store', url: 'https://nixos.org/guides/nix-pills/' }]);
    expect(entries['nix-store'].related).toEqual(['derivations', 'garbage-collection', 'generations']);
  });

  it('a paragraph may wrap over lines; a file that is not an entry is refused in words', () => {
    const wrapped = parseEntry('rollback', '# Rolling back\n\nGo back\nto the last one.\n\nFirst\nparagraph.\n\nRelated: generations\n\n- [Manual](https://nixos.org/manual/)\n');
    expect(wrapped).toMatchObject({ summary: 'Go back to the last one.', paragraphs: ['First paragraph.'], related: ['generations'] });
    expect(() => parseEntry('rollback', 'no title here\n\nSummary.\n')).toThrow(/learn\/content\/rollback\.md is not a Learn entry/);
    expect(() => parseEntry('rollback', '# Title\n\nSummary.\n\nRelated: not-an-entry\n')).toThrow(/related/);
  });
});
