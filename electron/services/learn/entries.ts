import { learnEntryIds, learnEntrySchema, type LearnEntry, type LearnEntryId, type LearnResource } from '../../../shared/contract/learn';
import nixStore from './content/nix-store.md?raw';
import derivations from './content/derivations.md?raw';
import generations from './content/generations.md?raw';
import channelsVsFlakes from './content/channels-vs-flakes.md?raw';
import homeManager from './content/home-manager.md?raw';
import rollback from './content/rollback.md?raw';
import configuration from './content/configuration.md?raw';
import garbageCollection from './content/garbage-collection.md?raw';
import nix from './content/nix.md?raw';
import evaluationErrors from './content/evaluation-errors.md?raw';
import buildErrors from './content/build-errors.md?raw';
import permissions from './content/permissions.md?raw';
import network from './content/network.md?raw';
import search from './content/search.md?raw';
import closure from './content/closure.md?raw';
import specialisations from './content/specialisations.md?raw';
import dryBuild from './content/dry-build.md?raw';
import booted from './content/booted.md?raw';

/** The standard places to learn more. Every address here is on the link allow-list. */
export const resources: LearnResource[] = [
  { id: 'nixos-manual', label: 'NixOS manual', url: 'https://nixos.org/manual/nixos/stable/', description: 'Installing, configuring and running NixOS.' },
  { id: 'nix-manual', label: 'Nix manual', url: 'https://nix.dev/manual/nix/stable/', description: 'The Nix package manager and its language, in full.' },
  { id: 'nix-pills', label: 'Nix Pills', url: 'https://nixos.org/guides/nix-pills/', description: 'A step-by-step series that builds up how Nix works from first principles.' },
  { id: 'nix-dev', label: 'nix.dev', url: 'https://nix.dev/', description: 'Official tutorials and guides for getting things done with Nix.' },
  { id: 'wiki', label: 'NixOS Wiki', url: 'https://wiki.nixos.org/', description: 'Community-written how-tos for hardware, programs and services.' },
  { id: 'package-search', label: 'Package search', url: 'https://search.nixos.org/packages', description: 'The official package search on the web.' },
  { id: 'option-search', label: 'Option search', url: 'https://search.nixos.org/options', description: 'The official NixOS option search on the web.' },
  { id: 'home-manager-manual', label: 'Home Manager manual', url: 'https://nix-community.github.io/home-manager/', description: 'Managing your own programs and dotfiles with Home Manager.' },
  { id: 'nix-hour', label: 'The Nix Hour', url: 'https://www.youtube.com/playlist?list=PLyzwHTVJlRc8yjlx4VR4LU5A5O44og9in', description: 'Weekly videos answering real questions about Nix, live.' },
  { id: 'community', label: 'Community', url: 'https://nixos.org/community/', description: 'Where to ask: Discourse, Matrix, and more.' },
  { id: 'discourse', label: 'NixOS Discourse', url: 'https://discourse.nixos.org/', description: 'The forum: questions, announcements, help.' },
];

/**
 * A few plain sentences about each idea a newcomer meets, one Markdown file a concept in ./content/
 * (bundled as text at build time). Ids are fixed: other pages and errors link to them. A file is
 * `# Title`, then the one-sentence summary, the paragraphs, a `Related: id, id` line and the links
 * as `- [label](url)`, each block separated by an empty line.
 */
const sources: Record<LearnEntryId, string> = {
  'nix-store': nixStore,
  derivations,
  generations,
  'channels-vs-flakes': channelsVsFlakes,
  'home-manager': homeManager,
  rollback,
  configuration,
  'garbage-collection': garbageCollection,
  nix,
  'evaluation-errors': evaluationErrors,
  'build-errors': buildErrors,
  permissions,
  network,
  search,
  closure,
  specialisations,
  'dry-build': dryBuild,
  booted,
};

export function parseEntry(id: LearnEntryId, markdown: string): LearnEntry {
  const blocks = markdown.replace(/\r\n/g, '\n').trim().split(/\n\s*\n/).map((b) => b.trim());
  const title = /^# (.+)$/.exec(blocks.shift() ?? '')?.[1];
  const linkLines = blocks.at(-1)?.split('\n').every((l) => /^- \[[^\]]+\]\([^)]+\)$/.test(l)) ? blocks.pop()!.split('\n') : [];
  const relatedLine = /^Related: (.*)$/.exec(blocks.at(-1) ?? '') ? blocks.pop()! : null;
  const [summary, ...paragraphs] = blocks.map((b) => b.replace(/\s*\n\s*/g, ' '));
  const parsed = learnEntrySchema.safeParse({
    id,
    title,
    summary,
    paragraphs,
    related: relatedLine ? relatedLine.slice('Related: '.length).split(',').map((r) => r.trim()).filter(Boolean) : [],
    links: linkLines.map((l) => {
      const [, label, url] = /^- \[([^\]]+)\]\(([^)]+)\)$/.exec(l)!;
      return { label, url };
    }),
  });
  if (!parsed.success || !summary) throw new Error(`learn/content/${id}.md is not a Learn entry: ${parsed.success ? 'it has no summary' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export const entries = Object.fromEntries(learnEntryIds.map((id) => [id, parseEntry(id, sources[id])])) as Record<LearnEntryId, LearnEntry>;

export function learnEntries() {
  return { entries: Object.values(entries), resources };
}
