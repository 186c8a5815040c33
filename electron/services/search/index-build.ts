/**
 * Building the index from documents: a sorted term dictionary shared by three fields (name terms,
 * description words, context words), each with its own posting lists; sorted tables of whole names
 * and aliases for exact and prefix hits; a deletion table over name terms for typos (SymSpell-style);
 * a suffix table over name terms so "ssh" also finds "openssh". Records for display are kept as JSON.
 */
import { serialize, type IndexMeta } from './index-format';
import { deletionKeys, hash32, isPlaceholderSegment, normalizeName, segmentTerms, textTerms } from './text';
import { ALIAS, FLAG_LAST_SEGMENT, FLAG_WHOLE_SEGMENT, MODULE_ENABLE, PROGRAM, weights } from './weights';

/** bump when what goes into an index changes (layout, or the documents parse.ts makes), so saved indexes are rebuilt */
export const INDEX_FORMAT_VERSION = 6;

export interface SourceDoc {
  /** attribute or option name, as shown */
  name: string;
  /** other names a person may type for it exactly: pname, an attribute's last segment */
  aliases?: string[];
  /** what an exact alias match is worth; default weights.alias */
  aliasWeight?: number;
  /** the command it provides (`rg` for ripgrep) */
  program?: string;
  /** for an option `x.<module>.enable`: the module's name, so "openssh" puts services.openssh.enable first */
  enableOf?: string;
  /** how strongly the module's name selects this enable option (bigger, shallower modules more); default weights.moduleEnable */
  enableWeight?: number;
  description: string;
  /** weaker words about the document: its declaration path, for a module's enable option the names of the module's other options */
  context?: string;
  /** a small bias from facts about the document (nesting depth, broken, ...) */
  prior: number;
  /** what a result returns, as is */
  record: unknown;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class PostingBuilder {
  lists = new Map<number, number[]>();
  add(term: number, value: number) {
    let l = this.lists.get(term);
    if (!l) this.lists.set(term, (l = []));
    l.push(value);
  }
  /** flattened in the order of `remap` (new id -> old id) */
  flatten(order: Uint32Array): { offsets: Uint32Array; postings: Uint32Array } {
    let total = 0;
    for (const l of this.lists.values()) total += l.length;
    const offsets = new Uint32Array(order.length + 1);
    const postings = new Uint32Array(total);
    let at = 0;
    for (let i = 0; i < order.length; i++) {
      offsets[i] = at;
      const l = this.lists.get(order[i]!);
      if (l) {
        postings.set(l, at);
        at += l.length;
      }
    }
    offsets[order.length] = at;
    return { offsets, postings };
  }
}

/** Build an index from documents. Yields to the event loop now and then so the app stays responsive. */
export async function buildIndex(docs: SourceDoc[], meta: IndexMeta): Promise<Buffer> {
  const termIds = new Map<string, number>();
  const termList: string[] = [];
  const nameTermSet = new Set<number>();
  const idOf = (t: string) => {
    let id = termIds.get(t);
    if (id === undefined) {
      id = termList.length;
      termIds.set(t, id);
      termList.push(t);
    }
    return id;
  };
  const names = new PostingBuilder();
  const descs = new PostingBuilder();
  const contexts = new PostingBuilder();
  const aliasRows: { key: string; doc: number; kind: number; weight: number }[] = [];
  const prior = new Float32Array(docs.length);
  const recordJson: string[] = new Array(docs.length);
  const recordOffsets = new Uint32Array(docs.length + 1);
  let recordBytes = 0;

  for (let d = 0; d < docs.length; d++) {
    if (d % 5000 === 4999) await yieldToLoop();
    const doc = docs[d]!;
    prior[d] = doc.prior;
    const segments = doc.name.split('.');
    const flagsByTerm = new Map<number, number>();
    segments.forEach((segment, i) => {
      if (isPlaceholderSegment(segment)) return;
      const whole = normalizeName(segment);
      for (const t of segmentTerms(segment)) {
        const id = idOf(t);
        let flags = flagsByTerm.get(id) ?? 0;
        if (i === segments.length - 1) flags |= FLAG_LAST_SEGMENT;
        if (t === whole || t === whole.replace(/-/g, '')) flags |= FLAG_WHOLE_SEGMENT;
        flagsByTerm.set(id, flags);
      }
    });
    for (const a of [...(doc.aliases ?? []), ...(doc.program ? [doc.program] : [])]) {
      for (const t of segmentTerms(a)) if (!flagsByTerm.has(idOf(t))) flagsByTerm.set(idOf(t), FLAG_LAST_SEGMENT);
    }
    for (const [id, flags] of flagsByTerm) {
      names.add(id, d * 4 + flags);
      nameTermSet.add(id);
    }
    for (const t of textTerms(doc.description)) descs.add(idOf(t), d);
    if (doc.context) for (const t of textTerms(doc.context)) contexts.add(idOf(t), d);
    for (const a of doc.aliases ?? []) aliasRows.push({ key: normalizeName(a), doc: d, kind: ALIAS, weight: doc.aliasWeight ?? weights.alias });
    if (doc.program) aliasRows.push({ key: normalizeName(doc.program), doc: d, kind: PROGRAM, weight: weights.program });
    if (doc.enableOf) aliasRows.push({ key: normalizeName(doc.enableOf), doc: d, kind: MODULE_ENABLE, weight: doc.enableWeight ?? weights.moduleEnable });
    const rec = JSON.stringify(doc.record);
    recordJson[d] = rec;
    recordOffsets[d] = recordBytes;
    recordBytes += Buffer.byteLength(rec);
  }
  recordOffsets[docs.length] = recordBytes;
  await yieldToLoop();

  // terms in sorted order; postings follow that order
  const order = Uint32Array.from(termList.map((_, i) => i).sort((a, b) => compareStrings(termList[a]!, termList[b]!)));
  const newId = new Uint32Array(order.length);
  order.forEach((old, i) => (newId[old] = i));
  const sortedTerms = Array.from(order, (old) => termList[old]!);
  const namePost = names.flatten(order);
  const descPost = descs.flatten(order);
  const ctxPost = contexts.flatten(order);
  await yieldToLoop();

  // typo table: every name term (4..24 chars) and its one-deletion variants, keyed by hash
  const typoKeys: bigint[] = [];
  for (const old of nameTermSet) {
    const t = termList[old]!;
    if (t.length < 4 || t.length > 24) continue;
    for (const key of new Set(deletionKeys(t))) typoKeys.push((BigInt(hash32(key)) << 32n) | BigInt(newId[old]!));
  }
  const typoPacked = BigUint64Array.from(typoKeys).sort();
  const typoHash = new Uint32Array(typoPacked.length);
  const typoTerm = new Uint32Array(typoPacked.length);
  for (let i = 0; i < typoPacked.length; i++) {
    typoHash[i] = Number(typoPacked[i]! >> 32n);
    typoTerm[i] = Number(typoPacked[i]! & 0xffffffffn);
  }
  await yieldToLoop();

  // suffix table over name terms: (term, offset) sorted by the suffix, for words inside words.
  // Sorted natively as strings "suffix\u0001row" (faster than a comparator over a million rows).
  const sufKeys: string[] = [];
  const sufRows: number[] = [];
  for (const old of nameTermSet) {
    const t = termList[old]!;
    if (t.length < 5 || t.length > 40) continue;
    for (let off = 1; off <= t.length - 3; off++) {
      sufKeys.push(`${t.slice(off)}\u0001${sufRows.length / 2}`);
      sufRows.push(newId[old]!, off);
    }
  }
  sufKeys.sort();
  const sufTerm = new Uint32Array(sufKeys.length);
  const sufOff = new Uint8Array(sufKeys.length);
  sufKeys.forEach((k, i) => {
    const row = Number(k.slice(k.lastIndexOf('\u0001') + 1));
    sufTerm[i] = sufRows[row * 2]!;
    sufOff[i] = sufRows[row * 2 + 1]!;
  });
  await yieldToLoop();

  // whole names and aliases, sorted, for exact and prefix matches of the whole query
  const normalized = docs.map((d) => normalizeName(d.name));
  const nameOrder = Uint32Array.from(docs.map((_, i) => i).sort((a, b) => compareStrings(normalized[a]!, normalized[b]!) || a - b));
  aliasRows.sort((a, b) => compareStrings(a.key, b.key) || a.doc - b.doc);

  return serialize({
    meta: { ...meta, formatVersion: INDEX_FORMAT_VERSION, documents: docs.length, terms: sortedTerms.length },
    sections: {
      names: docs.map((d) => d.name.replace(/\n/g, ' ')).join('\n'),
      normNames: normalized.join('\n'),
      nameOrder,
      terms: sortedTerms.join('\n'),
      nameOff: namePost.offsets,
      namePost: namePost.postings,
      descOff: descPost.offsets,
      descPost: descPost.postings,
      ctxOff: ctxPost.offsets,
      ctxPost: ctxPost.postings,
      typoHash,
      typoTerm,
      sufTerm,
      sufOff,
      aliasKeys: aliasRows.map((r) => r.key).join('\n'),
      aliasDoc: Uint32Array.from(aliasRows, (r) => r.doc),
      aliasKind: Uint8Array.from(aliasRows, (r) => r.kind),
      aliasWeight: Float32Array.from(aliasRows, (r) => r.weight),
      prior,
      recordOff: recordOffsets,
      // last, so loading can leave it on disk and read single records on demand
      records: Buffer.from(recordJson.join(''), 'utf8'),
    },
  });
}
