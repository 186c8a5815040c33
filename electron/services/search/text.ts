/**
 * How names, descriptions and queries are cut into terms. The index and the query parser share these,
 * so a term means the same thing on both sides.
 */

/** lower case, `_` and `-` the same */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** words that carry no meaning in a search ("how to enable the ssh server") */
export const stopWords = new Set([
  'a', 'an', 'the', 'to', 'of', 'for', 'in', 'on', 'and', 'or', 'with', 'is', 'it', 'be', 'as', 'by', 'at', 'this', 'that', 'from',
  'how', 'do', 'i', 'my', 'me', 'want', 'can', 'use', 'using', 'set', 'setup', 'up', 'get', 'install', 'add', 'which', 'what', 'when', 'are', 'will', 'if', 'not', 'you', 'your', 'without',
  'no', 'dont', 'another', 'other', 'every', 'everyone', 'everybody', 'all', 'any', 'some', 'so', 'should', 'its', 'our', 'we', 'their', 'there',
]);

/** "computer's" is "computer", "don't" is "dont": apostrophes (straight or typographic) are not word breaks */
export function dropApostrophes(text: string): string {
  return text.replace(/['’]s\b/gi, '').replace(/['’]/g, '');
}

/** plural and trivial inflections, so "servers" finds "server" (descriptions only; names are exact) */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  // adverbs: "automatically" is "automatic", "manually" "manual"
  if (word.endsWith('ically') && word.length > 8) return word.slice(0, -4);
  if (word.endsWith('ally') && word.length > 6) return word.slice(0, -2);
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

const camelParts = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

/**
 * The terms of one name segment: the segment itself (normalized), the same without separators,
 * its `-`/`_` parts and its camelCase parts. "PermitRootLogin" -> permitrootlogin, permit, root, login.
 */
export function segmentTerms(segment: string): string[] {
  const whole = normalizeName(segment);
  const out = new Set<string>([whole]);
  const compact = whole.replace(/-/g, '');
  if (compact) out.add(compact);
  for (const part of segment.split(/[-_]+/)) {
    if (!part) continue;
    out.add(part.toLowerCase());
    const pieces = part.match(camelParts);
    if (pieces && pieces.length > 1) for (const p of pieces) out.add(p.toLowerCase());
  }
  out.delete('');
  return [...out];
}

/** option paths carry placeholders that are not words */
export function isPlaceholderSegment(segment: string): boolean {
  return segment === '<name>' || segment === '*' || segment === '<name?>' || /^<.*>$/.test(segment);
}

/** words of a description: lower case, stemmed, without stop words or one-letter pieces */
export function textTerms(text: string): string[] {
  const out = new Set<string>();
  for (const raw of dropApostrophes(text.toLowerCase()).split(/[^a-z0-9]+/)) {
    if (raw.length < 2 || stopWords.has(raw)) continue;
    out.add(stem(raw));
  }
  return [...out];
}

// rows reused by every call (a query checks dozens of typo candidates; no garbage for each)
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

/** Damerau-Levenshtein (optimal string alignment) distance, stopping early above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (lb + 1 > rowA.length) {
    rowA = new Int32Array(lb + 1);
    rowB = new Int32Array(lb + 1);
    rowC = new Int32Array(lb + 1);
  }
  let prevPrev = rowA;
  let prev = rowB;
  let cur = rowC;
  for (let j = 0; j <= lb; j++) {
    prevPrev[j] = 0;
    prev[j] = j;
    cur[j] = 0;
  }
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= lb; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) v = Math.min(v, prevPrev[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const oldest = prevPrev;
    prevPrev = prev;
    prev = cur;
    cur = oldest;
  }
  return prev[lb]!;
}

/** FNV-1a, for the typo table's keys (collisions only add candidates, which are then checked) */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** the term and every string one deletion away from it */
export function deletionKeys(term: string): string[] {
  const keys = [term];
  for (let i = 0; i < term.length; i++) keys.push(term.slice(0, i) + term.slice(i + 1));
  return keys;
}
