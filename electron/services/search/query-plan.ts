/**
 * Query planning: a query's text becomes its terms (stop words dropped, dotted paths split, hyphenated
 * words split when the index has no such name), the NixOS words the vocabulary gives for its words and
 * phrases, the words it excludes (-word), and the whole query as one name.
 */
import { dropApostrophes, isPlaceholderSegment, normalizeName, stopWords } from './text';
import { actionWords, nixosWordsFor } from './vocabulary';
import { weights } from './weights';

/** words that say "the module as a whole" ("ssh server", "printing support"): they do not point at one of its options */
const moduleWords = new Set(['enable', 'service', 'services', 'server', 'servers', 'daemon', 'support', 'program', 'programs', 'module', 'app', 'application', 'tool']);

export interface ParsedQuery {
  terms: string[];
  /** per term: the NixOS words for it or for a phrase it is part of (vocabulary.ts); names with a dot are option paths */
  alternatives: string[][];
  /** per term and alternative: how much of it counts (the words of a phrase after its first count little) */
  altFactors: number[][];
  /** per term: an action word ("enable") that scores but need not be in a document */
  optional: boolean[];
  /** the NixOS words for the query as a whole, when one word or phrase of the vocabulary covers it */
  concept: string[];
  excluded: string[];
  /** the whole query as one name ("services.openssh.enable", "docker-compose"), or null */
  whole: string | null;
  dotted: boolean;
  /** the last word may still be being typed */
  lastIsOpen: boolean;
  /** per term: a content word, counted when asking which names hold most of the query (not an action word, nor "service") */
  scoped: boolean[];
}

export function parseQuery(query: string, hasNameTerm: (term: string) => boolean): ParsedQuery {
  const lastIsOpen = !/\s$/.test(query);
  const raw = dropApostrophes(query).trim().split(/\s+/).filter(Boolean);
  const excluded: string[] = [];
  const positive: string[] = [];
  for (const token of raw) {
    if (token.length > 1 && token.startsWith('-')) excluded.push(normalizeName(token.slice(1)));
    else positive.push(token);
  }
  const dotted = positive.some((t) => t.includes('.'));
  const terms: string[] = [];
  for (const token of positive) {
    for (const segment of token.split('.')) {
      if (!segment || isPlaceholderSegment(segment)) continue;
      const t = normalizeName(segment).replace(/[^a-z0-9+-]/g, '');
      if (!t) continue;
      if (t.includes('-') && !hasNameTerm(t) && !hasNameTerm(t.replace(/-/g, ''))) terms.push(...t.split('-').filter(Boolean));
      else terms.push(t);
    }
  }
  const meaningful = terms.filter((t) => !stopWords.has(t));
  const finalTerms = [...new Set(meaningful.length ? meaningful : terms)].slice(0, 12);
  const optional = finalTerms.map((t) => actionWords.has(t));
  if (optional.every(Boolean)) optional.fill(false);
  const required = finalTerms.filter((_, i) => !optional[i]);
  // the vocabulary, for each phrase of three or two words as typed ("static ip", "pdf reader") and each word; longer first
  const alternatives = finalTerms.map(() => new Map<string, number>());
  const covering = new Set<string>();
  const conceptWords: string[] = [];
  // phrases as typed ("out of memory") and with the stop words between them dropped ("open a port" is "open port")
  const plain = positive.map((p) => normalizeName(p));
  const content = plain.filter((p) => !stopWords.has(p));
  const phrases = new Map<string, string[]>();
  for (const list of content.length < plain.length ? [plain, content] : [plain]) {
    for (let n = 3; n >= 1; n--) for (let i = 0; i + n <= list.length; i++) phrases.set(list.slice(i, i + n).join(' '), list.slice(i, i + n));
  }
  for (const words of [...phrases.values()].sort((a, b) => b.length - a.length)) {
    const found = nixosWordsFor(words.join(' '));
    if (!found.length) continue;
    // the query's terms these words became ("e-book" may be the terms e and book)
    const parts = new Set(words.flatMap((w) => [w, ...w.split(/[-.]/)]));
    // a phrase's NixOS words stand for all of its words, but score as one: its last word (the noun:
    // "default shell", "pdf reader") gets them in full, the others only enough to count as present.
    // A phrase's NixOS word the query also typed is left to the typed word ("zsh default shell" is not three hits on zsh).
    const covered = finalTerms.map((t, at) => (parts.has(t) ? at : -1)).filter((at) => at >= 0);
    for (const at of covered) {
      const factor = at === covered[covered.length - 1] ? 1 : weights.phraseRest;
      for (const f of found) {
        if (words.length > 1 && finalTerms.includes(f)) continue;
        if ((alternatives[at]!.get(f) ?? 0) < factor) alternatives[at]!.set(f, factor);
      }
    }
    for (const t of required) if (parts.has(t)) covering.add(t);
    conceptWords.push(...found);
  }
  // every required word is part of a word or phrase of the vocabulary: the query names a concept
  const concept = required.every((t) => covering.has(t)) ? [...new Set(conceptWords)] : [];
  let whole: string | null = null;
  if (positive.length === 1) whole = normalizeName(positive[0]!);
  else if (positive.length > 1 && !dotted) whole = positive.map(normalizeName).join('-');
  const scoped = finalTerms.map((t, i) => !optional[i] && !moduleWords.has(t));
  return { terms: finalTerms, alternatives: alternatives.map((a) => [...a.keys()]), altFactors: alternatives.map((a) => [...a.values()]), optional, concept, excluded, whole, dotted, lastIsOpen, scoped };
}
