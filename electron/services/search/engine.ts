/**
 * The search index: built once per source, written to one binary file, loaded as typed-array views
 * (no parsing beyond splitting a few string tables), queried in a few milliseconds.
 *
 * Layout: a sorted term dictionary shared by three fields (name terms, description words, context
 * words), each with its own posting lists; sorted tables of whole names and aliases for exact and
 * prefix hits; a deletion table over name terms for typos (SymSpell-style, edit distance 1 per side);
 * a suffix table over name terms so "ssh" also finds "openssh". Records for display are kept as JSON
 * in one blob and decoded only for the results shown.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { deletionKeys, dropApostrophes, editDistance, hash32, isPlaceholderSegment, normalizeName, segmentTerms, stem, stopWords, textTerms } from './text';
import { actionWords, nixosWordsFor } from './vocabulary';

/** bump when what goes into an index changes (layout, or the documents parse.ts makes), so saved indexes are rebuilt */
export const INDEX_FORMAT_VERSION = 5;

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

export interface IndexMeta {
  kind: string;
  builtAt: string;
  /** identifies the data the index was built from, to know when it is stale */
  sourceKey: string;
  [key: string]: unknown;
}

const ALIAS = 1;
const PROGRAM = 2;
const MODULE_ENABLE = 3;

/** near matches (typos, words inside words) of a word this common are noise, and slow */
const COMMON_WORD_POSTINGS = 5000;

/** in a query of several words, a word matching more documents than this only scores the others' candidates */
const RESTRICT_ABOVE = 4000;

/** words that say "the module as a whole" ("ssh server", "printing support"): they do not point at one of its options */
const moduleWords = new Set(['enable', 'service', 'services', 'server', 'servers', 'daemon', 'support', 'program', 'programs', 'module', 'app', 'application', 'tool']);

const FLAG_LAST_SEGMENT = 1;
const FLAG_WHOLE_SEGMENT = 2;

/** What each kind of evidence is worth. Whole-query evidence dominates; per-word evidence orders the rest. */
export const weights = {
  exactName: 1000,
  alias: 520,
  program: 470,
  moduleEnable: 450,
  /** in a query of several words, one of which names the module */
  moduleEnablePartial: 110,
  /** what a synonym is worth relative to the word typed */
  synonym: 0.8,
  fullPrefix: 180,
  dottedSuffix: 320,
  dottedInside: 260,
  dottedSegmentPrefix: 160,
  nameExact: 100,
  lastSegmentBonus: 18,
  wholeSegmentBonus: 14,
  namePrefix: 42,
  nameTypo: 44,
  nameInfix: 26,
  description: 24,
  descriptionPrefix: 12,
  descriptionTypo: 10,
  context: 16,
  /** a name word that is the typed word's singular or plural, relative to the word itself */
  inflection: 0.9,
  /** a query of several words, all of them in the document's name */
  allWordsInName: 120,
  /** in a query of three words or more, for each word a document lacks */
  missingWord: 30,
  /** a vocabulary phrase's NixOS words, for the phrase's words after the first */
  phraseRest: 1,
};

/** inName: the word is in the document's name; typed: as typed, not a plural, prefix, typo or synonym of it */
type Offer = (doc: number, score: number, inName?: boolean, typed?: boolean) => void;

interface Built {
  meta: IndexMeta;
  sections: Record<string, ArrayBufferView | string>;
}

// ---------------------------------------------------------------------------------------------
// build

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

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

// ---------------------------------------------------------------------------------------------
// file format: "NCSIDX\n" + u32 header length + header JSON + 8-aligned sections

const MAGIC = Buffer.from('NCSIDX\n');

function serialize(built: Built): Buffer {
  const parts: Buffer[] = [];
  const table: { name: string; type: string; offset: number; length: number }[] = [];
  let at = 0;
  for (const [name, value] of Object.entries(built.sections)) {
    let bytes: Buffer;
    let type: string;
    if (typeof value === 'string') {
      bytes = Buffer.from(value, 'utf8');
      type = 'string';
    } else if (Buffer.isBuffer(value)) {
      bytes = value;
      type = 'bytes';
    } else {
      bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      type = value.constructor.name;
    }
    table.push({ name, type, offset: at, length: bytes.length });
    parts.push(bytes);
    const pad = (8 - (bytes.length % 8)) % 8;
    if (pad) parts.push(Buffer.alloc(pad));
    at += bytes.length + pad;
  }
  const header = Buffer.from(JSON.stringify({ meta: built.meta, sections: table }));
  const lead = MAGIC.length + 4 + header.length;
  const leadPad = (8 - (lead % 8)) % 8;
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length + leadPad);
  return Buffer.concat([MAGIC, len, header, Buffer.alloc(leadPad, 0x20), ...parts]);
}

interface Layout {
  header: { meta: IndexMeta; sections: { name: string; type: string; offset: number; length: number }[] };
  /** where the sections start */
  base: number;
  /** where the records section starts: everything before it is the index proper */
  recordsAt: number;
}

function readLayout(readAt: (start: number, end: number) => Buffer): Layout {
  const lead = readAt(0, MAGIC.length + 4);
  if (!lead.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a search index file');
  const headerLen = lead.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(readAt(start, start + headerLen).toString('utf8')) as Layout['header'];
  const base = start + headerLen;
  const records = header.sections.find((s) => s.name === 'records');
  if (!records || header.sections[header.sections.length - 1] !== records) throw new Error('the search index has no records section at its end');
  return { header, base, recordsAt: base + records.offset };
}

type ArrayCtor = Uint32ArrayConstructor | Uint8ArrayConstructor | Float32ArrayConstructor;
const ctors: Record<string, ArrayCtor> = { Uint32Array, Uint8Array, Float32Array };

// ---------------------------------------------------------------------------------------------
// query

export interface QueryOptions {
  limit: number;
  offset: number;
}

export interface QueryHit {
  doc: number;
  score: number;
}

export interface QueryResult {
  hits: QueryHit[];
  total: number;
}

interface ParsedQuery {
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

export class SearchIndex {
  readonly meta: IndexMeta;
  readonly size: number;
  private namesBytes: Buffer;
  private namesCache: string[] | null = null;
  private readonly readRecord: (start: number, end: number) => string;
  private readonly normNames: string[];
  private readonly nameOrder: Uint32Array;
  private readonly nameRank: Uint32Array;
  private readonly terms: string[];
  private readonly nameOff: Uint32Array;
  private readonly namePost: Uint32Array;
  private readonly descOff: Uint32Array;
  private readonly descPost: Uint32Array;
  private readonly ctxOff: Uint32Array;
  private readonly ctxPost: Uint32Array;
  private readonly typoHash: Uint32Array;
  private readonly typoTerm: Uint32Array;
  private readonly sufTerm: Uint32Array;
  private readonly sufOff: Uint8Array;
  private readonly aliasKeys: string[];
  private readonly aliasDoc: Uint32Array;
  private readonly aliasKind: Uint8Array;
  private readonly aliasWeight: Float32Array;
  private readonly prior: Float32Array;
  private readonly recordOff: Uint32Array;
  private readonly maxIdf: number;
  // scratch space reused by every query; epochs avoid clearing it
  private epoch = 0;
  private termCounter = 0;
  private touchedCount = 0;
  private readonly docEpoch: Uint32Array;
  private readonly total: Float32Array;
  private readonly count: Uint8Array;
  private readonly touched: Uint32Array;
  private readonly termEpoch: Uint32Array;
  private readonly best: Float32Array;
  private readonly bestInName: Uint8Array;
  private readonly nameCount: Uint8Array;
  /** per document: how many of the query's content words (not action or module words) are in its name */
  private readonly scopeCount: Uint8Array;
  /** the most content words any candidate has in its name (scopes the module-enable evidence) */
  private mostInName = 0;
  private readonly termTouched: Uint32Array;
  private readonly excludedEpoch: Uint32Array;

  /** An index held wholly in memory (just built). */
  static fromBuffer(file: Buffer): SearchIndex {
    const layout = readLayout((start, end) => file.subarray(start, end));
    return new SearchIndex(file, layout, (start, end) => file.toString('utf8', layout.recordsAt + start, layout.recordsAt + end));
  }

  /** An index file: everything but the records is read now; each record is read from disk when shown. */
  static open(file: string): SearchIndex {
    const fd = openSync(file, 'r');
    try {
      const readAt = (start: number, end: number) => {
        const out = Buffer.allocUnsafe(end - start);
        let done = 0;
        while (done < out.length) {
          const n = readSync(fd, out, done, out.length - done, start + done);
          if (n === 0) throw new Error('the search index file is shorter than its header says');
          done += n;
        }
        return out;
      };
      const layout = readLayout(readAt);
      const body = readAt(0, layout.recordsAt);
      const index = new SearchIndex(body, layout, (start, end) => readAt(layout.recordsAt + start, layout.recordsAt + end).toString('utf8'));
      index.fd = fd;
      return index;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  private fd: number | null = null;

  /** releases the file (records are no longer readable afterwards) */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private constructor(file: Buffer, layout: Layout, readRecord: (start: number, end: number) => string) {
    const { header, base } = layout;
    this.readRecord = readRecord;
    const sec = new Map(header.sections.map((s) => [s.name, s]));
    const bytes = (name: string) => {
      const s = sec.get(name);
      if (!s) throw new Error(`index section ${name} is missing`);
      return file.subarray(base + s.offset, base + s.offset + s.length);
    };
    const typed = <T>(name: string): T => {
      const s = sec.get(name)!;
      const ctor = ctors[s.type];
      if (!ctor) throw new Error(`index section ${name} has unknown type ${s.type}`);
      const b = bytes(name);
      const el = ctor.BYTES_PER_ELEMENT;
      if ((b.byteOffset % el) === 0) return new ctor(b.buffer as ArrayBuffer, b.byteOffset, b.length / el) as T;
      const copy = new Uint8Array(b.length);
      copy.set(b);
      return new ctor(copy.buffer, 0, b.length / el) as T;
    };
    const strings = (name: string) => {
      const s = bytes(name).toString('utf8');
      return s.length ? s.split('\n') : [];
    };
    this.namesBytes = bytes('names');
    this.meta = header.meta;
    this.normNames = strings('normNames');
    this.size = this.normNames.length;
    this.nameOrder = typed('nameOrder');
    this.nameRank = new Uint32Array(this.size);
    for (let i = 0; i < this.nameOrder.length; i++) this.nameRank[this.nameOrder[i]!] = i;
    this.terms = strings('terms');
    this.nameOff = typed('nameOff');
    this.namePost = typed('namePost');
    this.descOff = typed('descOff');
    this.descPost = typed('descPost');
    this.ctxOff = typed('ctxOff');
    this.ctxPost = typed('ctxPost');
    this.typoHash = typed('typoHash');
    this.typoTerm = typed('typoTerm');
    this.sufTerm = typed('sufTerm');
    this.sufOff = typed('sufOff');
    this.aliasKeys = strings('aliasKeys');
    this.aliasDoc = typed('aliasDoc');
    this.aliasKind = typed('aliasKind');
    this.aliasWeight = typed('aliasWeight');
    this.prior = typed('prior');
    this.recordOff = typed('recordOff');
    this.maxIdf = Math.log(1 + this.size);
    this.docEpoch = new Uint32Array(this.size);
    this.total = new Float32Array(this.size);
    this.count = new Uint8Array(this.size);
    this.touched = new Uint32Array(this.size);
    this.termEpoch = new Uint32Array(this.size);
    this.best = new Float32Array(this.size);
    this.bestInName = new Uint8Array(this.size);
    this.nameCount = new Uint8Array(this.size);
    this.scopeCount = new Uint8Array(this.size);
    this.termTouched = new Uint32Array(this.size);
    this.excludedEpoch = new Uint32Array(this.size);
  }

  /** names as written (the index works on normalized ones); split on first use */
  private get names(): string[] {
    if (!this.namesCache) this.namesCache = this.namesBytes.toString('utf8').split('\n');
    return this.namesCache;
  }

  name(doc: number): string {
    return this.names[doc]!;
  }

  record<T = unknown>(doc: number): T {
    return JSON.parse(this.readRecord(this.recordOff[doc]!, this.recordOff[doc + 1]!)) as T;
  }

  /** every document whose name is exactly this (attribute lookups for "add to config" and link checks) */
  findByName(name: string): number | null {
    const key = normalizeName(name);
    const lo = this.lowerBound(this.nameOrder.length, (i) => this.normNames[this.nameOrder[i]!]!, key);
    for (let i = lo; i < this.nameOrder.length && this.normNames[this.nameOrder[i]!] === key; i++) {
      if (this.names[this.nameOrder[i]!] === name) return this.nameOrder[i]!;
    }
    return lo < this.nameOrder.length && this.normNames[this.nameOrder[lo]!] === key ? this.nameOrder[lo]! : null;
  }

  private findNormalized(key: string): number | null {
    const i = this.lowerBound(this.nameOrder.length, (k) => this.normNames[this.nameOrder[k]!]!, key);
    return i < this.nameOrder.length && this.normNames[this.nameOrder[i]!] === key ? this.nameOrder[i]! : null;
  }

  get memoryBytes(): number {
    let n = this.namesBytes.length + this.normNames.length * 48 + this.terms.length * 40 + this.aliasKeys.length * 40;
    for (const a of [this.nameOrder, this.nameRank, this.nameOff, this.namePost, this.descOff, this.descPost, this.ctxOff, this.ctxPost, this.typoHash, this.typoTerm, this.sufTerm, this.sufOff, this.aliasDoc, this.aliasKind, this.prior, this.recordOff]) n += a.byteLength;
    n += this.size * (4 * 4 + 4 + 1 + 4 * 3);
    return n;
  }

  private lowerBound(n: number, at: (i: number) => string, key: string): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private termId(t: string): number {
    const i = this.lowerBound(this.terms.length, (k) => this.terms[k]!, t);
    return i < this.terms.length && this.terms[i] === t ? i : -1;
  }

  /** ids of the word and its singular/plural among name terms */
  private nameVariantIds(term: string): number[] {
    const out: number[] = [];
    for (const v of new Set([term, stem(term), term.endsWith('s') ? term : `${term}s`])) {
      const id = this.termId(v);
      if (id >= 0 && this.nameOff[id + 1]! > this.nameOff[id]!) out.push(id);
    }
    return out;
  }

  private hasNameTerm(t: string): boolean {
    const id = this.termId(t);
    return id >= 0 && this.nameOff[id + 1]! > this.nameOff[id]!;
  }

  parse(query: string): ParsedQuery {
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
        if (t.includes('-') && !this.hasNameTerm(t) && !this.hasNameTerm(t.replace(/-/g, ''))) terms.push(...t.split('-').filter(Boolean));
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
    const plain = positive.map((p) => normalizeName(p));
    for (let n = 3; n >= 1; n--) {
      for (let i = 0; i + n <= plain.length; i++) {
        const words = plain.slice(i, i + n);
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
            if (n > 1 && finalTerms.includes(f)) continue;
            if ((alternatives[at]!.get(f) ?? 0) < factor) alternatives[at]!.set(f, factor);
          }
        }
        for (const t of required) if (parts.has(t)) covering.add(t);
        conceptWords.push(...found);
      }
    }
    // every required word is part of a word or phrase of the vocabulary: the query names a concept
    const concept = required.every((t) => covering.has(t)) ? [...new Set(conceptWords)] : [];
    let whole: string | null = null;
    if (positive.length === 1) whole = normalizeName(positive[0]!);
    else if (positive.length > 1 && !dotted) whole = positive.map(normalizeName).join('-');
    const scoped = finalTerms.map((t, i) => !optional[i] && !moduleWords.has(t));
    return { terms: finalTerms, alternatives: alternatives.map((a) => [...a.keys()]), altFactors: alternatives.map((a) => [...a.values()]), optional, concept, excluded, whole, dotted, lastIsOpen, scoped };
  }

  search(query: string, opts: QueryOptions): QueryResult {
    const q = this.parse(query);
    if (!q.terms.length) return { hits: [], total: 0 };
    const epoch = ++this.epoch;
    if (epoch === 0xffffffff) this.resetEpochs();
    let touchedCount = 0;

    // Rare words first; a very common word in a query of several only scores the documents the rarer
    // words found (conjunctive evaluation): "haskell.packages.ghc910.x" does not walk every "packages".
    const order = q.terms.map((term, index) => ({ term, index, size: this.estimate(term) })).sort((a, b) => a.size - b.size);
    order.forEach(({ term, index, size }, position) => {
      const isLast = index === q.terms.length - 1;
      const restrict = position > 0 && size > RESTRICT_ABOVE && touchedCount > 0;
      const termEpoch = ++this.termCounter;
      if (termEpoch === 0xffffffff) {
        this.termCounter = 1;
        this.termEpoch.fill(0);
      }
      let termTouchedCount = 0;
      const offer = (doc: number, score: number, inName = false, typed = false) => {
        const named = typed ? 2 : inName ? 1 : 0;
        if (restrict && this.docEpoch[doc] !== epoch) return;
        if (this.termEpoch[doc] !== termEpoch) {
          this.termEpoch[doc] = termEpoch;
          this.best[doc] = score;
          this.bestInName[doc] = named;
          this.termTouched[termTouchedCount++] = doc;
        } else {
          if (score > this.best[doc]!) this.best[doc] = score;
          if (named > this.bestInName[doc]!) this.bestInName[doc] = named;
        }
      };
      if (restrict && touchedCount <= 5000 && !(isLast && q.lastIsOpen)) this.matchTermAmong(term, touchedCount, offer);
      else this.matchTerm(term, isLast && q.lastIsOpen, offer, restrict ? touchedCount : 0);
      q.alternatives[index]!.forEach((alt, a) => this.matchAlternative(alt, offer, q.altFactors[index]![a]!));
      for (let i = 0; i < termTouchedCount; i++) {
        const doc = this.termTouched[i]!;
        if (this.docEpoch[doc] !== epoch) {
          this.docEpoch[doc] = epoch;
          this.total[doc] = 0;
          this.count[doc] = 0;
          this.nameCount[doc] = 0;
          this.scopeCount[doc] = 0;
          this.touched[touchedCount++] = doc;
        }
        // the word itself in the name (not a plural, prefix, typo or synonym of it)
        if (q.scoped[index] && this.bestInName[doc] === 2) this.scopeCount[doc] = this.scopeCount[doc]! + 1;
        this.total[doc] = this.total[doc]! + this.best[doc]!;
        if (!q.optional[index]) this.count[doc] = this.count[doc]! + 1;
        if (this.bestInName[doc]) this.nameCount[doc] = this.nameCount[doc]! + 1;
      }
    });


    this.touchedCount = touchedCount;
    for (const word of q.excluded) this.markExcluded(word, epoch);

    // documents must match every word; when none does, the ones matching the most words
    let required = q.optional.filter((o) => !o).length;
    let most = 0;
    let mostInName = 0;
    for (let i = 0; i < touchedCount; i++) {
      const doc = this.touched[i]!;
      if (this.excludedEpoch[doc] === epoch) continue;
      if (this.count[doc]! > most) most = this.count[doc]!;
      if (this.scopeCount[doc]! > mostInName) mostInName = this.scopeCount[doc]!;
    }
    this.mostInName = mostInName;
    if (most < required) required = most;
    if (required === 0) return { hits: [], total: 0 };
    // a query of three words or more is a sentence ("ssh listen on another port"): one of its words may be
    // missing from a document that has the others, at a cost (the words it has still decide)
    const minimum = required >= 3 ? required - 1 : required;

    this.addWholeQueryEvidence(q, epoch);

    const w = weights;
    const k = Math.min(opts.offset + opts.limit, 10_000);
    // dotted queries get a second look at a wider set of candidates, so the first pass keeps more
    const keep = q.dotted && q.whole ? Math.max(k * 4, 400) : k;
    const heap = new TopK(keep, (a, b) => this.better(a, b), (d) => this.total[d]!);
    let total = 0;
    for (let i = 0; i < touchedCount; i++) {
      const doc = this.touched[i]!;
      if (this.count[doc]! < minimum || this.excludedEpoch[doc] === epoch) continue;
      total++;
      this.total[doc] = this.total[doc]! + this.prior[doc]! - (required - Math.min(required, this.count[doc]!)) * w.missingWord;
      // several words, every one of them in the name: "neovim plugins" is programs.neovim.plugins more than programs.neovim.enable
      if (q.terms.length > 1 && this.nameCount[doc] === q.terms.length) this.total[doc] = this.total[doc]! + w.allWordsInName;
      heap.push(doc, this.total[doc]!);
    }
    let ordered = heap.sorted();
    if (keep !== k) {
      for (const doc of ordered) this.total[doc] = this.total[doc]! + this.dottedEvidence(q.whole!, doc);
      ordered = ordered.sort((a, b) => (this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0)).slice(0, k);
    }
    return { hits: ordered.slice(opts.offset, opts.offset + opts.limit).map((doc) => ({ doc, score: this.total[doc]! })), total };
  }

  /** true when a ranks above b: score, then shorter name, then alphabetical */
  private better(a: number, b: number): boolean {
    const sa = this.total[a]!;
    const sb = this.total[b]!;
    if (sa !== sb) return sa > sb;
    const la = this.normNames[a]!.length;
    const lb = this.normNames[b]!.length;
    if (la !== lb) return la < lb;
    return this.nameRank[a]! < this.nameRank[b]!;
  }

  /**
   * Every way a word matches: itself, its plural or singular, words it starts, typos, words it is inside.
   * `among` > 0: only the first `among` documents of `touched` can count (a common word after rarer
   * ones); a list much longer than that is then looked up per candidate instead of walked.
   */
  private matchTerm(term: string, open: boolean, offer: Offer, among = 0) {
    const w = weights;
    const id = this.termId(term);
    const lookUp = (end: number, start: number) => among > 0 && end - start > among * 16;
    // the score for each of the four flag combinations, worked out once per list (the lists can be long)
    const byFlags = [0, 0, 0, 0];
    const eachName = (tid: number, base: number, scale: number, typed = false) => {
      for (let flags = 0; flags < 4; flags++) byFlags[flags] = base + ((flags & FLAG_LAST_SEGMENT ? w.lastSegmentBonus : 0) + (flags & FLAG_WHOLE_SEGMENT ? w.wholeSegmentBonus : 0)) * scale;
      const start = this.nameOff[tid]!;
      const end = this.nameOff[tid + 1]!;
      if (lookUp(end, start)) {
        for (let i = 0; i < among; i++) {
          const doc = this.touched[i]!;
          const at = this.lowerBoundIn(this.namePost, start, end, doc * 4);
          if (at < end && this.namePost[at]! >>> 2 === doc) offer(doc, byFlags[this.namePost[at]! & 3]!, true, typed);
        }
        return;
      }
      for (let p = start; p < end; p++) {
        const v = this.namePost[p]!;
        offer(v >>> 2, byFlags[v & 3]!, true, typed);
      }
    };
    const eachIn = (off: Uint32Array, post: Uint32Array, tid: number, score: number) => {
      const start = off[tid]!;
      const end = off[tid + 1]!;
      if (lookUp(end, start)) {
        for (let i = 0; i < among; i++) {
          const doc = this.touched[i]!;
          const at = this.lowerBoundIn(post, start, end, doc);
          if (at < end && post[at] === doc) offer(doc, score);
        }
        return;
      }
      for (let p = start; p < end; p++) offer(post[p]!, score);
    };
    const eachDesc = (tid: number, score: number) => eachIn(this.descOff, this.descPost, tid, score);
    const eachCtx = (tid: number, score: number) => eachIn(this.ctxOff, this.ctxPost, tid, score);
    const idf = (tid: number) => {
      const df = this.descOff[tid + 1]! - this.descOff[tid]! + (this.ctxOff[tid + 1]! - this.ctxOff[tid]!);
      return 0.45 + 0.55 * Math.min(1, Math.log(1 + this.size / (1 + df)) / (this.maxIdf * 0.6));
    };

    // the word itself, and its singular or plural ("port" finds allowedTCPPorts, "plugins" finds plugin)
    const variants = this.nameVariantIds(term);
    for (const vid of variants) if (vid === id) eachName(vid, w.nameExact, 1, true);
    else eachName(vid, w.nameExact * w.inflection, w.inflection * 0.7);
    const stemmed = stem(term);
    const sid = stemmed === term ? id : this.termId(stemmed);
    // a word in a third of all descriptions tells nothing about any of them
    if (sid >= 0 && this.descOff[sid + 1]! - this.descOff[sid]! < this.size / 3) {
      const f = idf(sid);
      eachDesc(sid, w.description * f);
      eachCtx(sid, w.context * f);
    }

    // words that start with it
    const lo = this.lowerBound(this.terms.length, (k) => this.terms[k]!, term);
    // a word already in thousands of names gains little from the longer words it starts (unless it is
    // still being typed) or is inside: "haskell package" need not walk every haskellPackages name again
    let asWord = 0;
    for (const vid of variants) asWord += this.nameOff[vid + 1]! - this.nameOff[vid]!;
    const common = asWord >= COMMON_WORD_POSTINGS;
    let budget = !open && common ? 0 : term.length <= 2 ? 20_000 : 60_000;
    let descBudget = 20_000;
    for (let t = lo; t < this.terms.length && budget > 0; t++) {
      const full = this.terms[t]!;
      if (!full.startsWith(term)) break;
      if (variants.includes(t)) continue;
      const n = this.nameOff[t + 1]! - this.nameOff[t]!;
      // a prefix of a word that is everywhere ("package" of "packages") ranks nothing: skip that word
      if (n && n <= budget) {
        budget -= n;
        eachName(t, w.namePrefix * (0.5 + (0.5 * term.length) / full.length), 0.5);
      }
      if (open && term.length >= 4 && t !== sid && descBudget > 0) {
        const m = this.descOff[t + 1]! - this.descOff[t]!;
        descBudget -= m;
        eachDesc(t, w.descriptionPrefix * (0.5 + (0.5 * term.length) / full.length));
      }
    }

    // words one or two typos away
    if (term.length >= 4) {
      const maxDistance = term.length >= 8 ? 2 : 1;
      const seen = new Set<number>();
      for (const key of deletionKeys(term)) {
        const h = hash32(key);
        let i = this.lowerBoundU32(this.typoHash, h);
        for (; i < this.typoHash.length && this.typoHash[i] === h; i++) {
          const tid = this.typoTerm[i]!;
          if (tid === id || seen.has(tid)) continue;
          seen.add(tid);
          const cand = this.terms[tid]!;
          if (cand.startsWith(term)) continue;
          if (editDistance(term, cand, maxDistance) > maxDistance) continue;
          if (this.nameOff[tid + 1]! - this.nameOff[tid]! > COMMON_WORD_POSTINGS) continue;
          eachName(tid, w.nameTypo, 0.5);
          if (term.length >= 5) eachDesc(tid, w.descriptionTypo);
        }
      }
    }

    // words that contain it ("ssh" in "openssh")
    if (term.length >= 3 && !common) {
      let i = this.lowerBound(this.sufTerm.length, (k) => this.terms[this.sufTerm[k]!]!.slice(this.sufOff[k]!), term);
      let scanned = 0;
      for (; i < this.sufTerm.length && scanned < 3000; i++, scanned++) {
        const tid = this.sufTerm[i]!;
        const full = this.terms[tid]!;
        if (!full.startsWith(term, this.sufOff[i]!)) break;
        if (this.nameOff[tid + 1]! - this.nameOff[tid]! > COMMON_WORD_POSTINGS) continue;
        eachName(tid, w.nameInfix * (0.6 + (0.4 * term.length) / full.length), 0.3);
      }
    }
  }

  /** a NixOS word for the word typed: only whole words count, a little weaker than the word typed */
  private matchAlternative(alt: string, offer: Offer, factor = 1) {
    const w = weights;
    const inName = factor === 1;
    const base = offer;
    offer = (doc, score, named = false) => base(doc, score * factor, named && inName);
    if (alt.includes('.')) {
      // an option path: that option, and (weaker) the options under it
      const nameAt = (k: number) => this.normNames[this.nameOrder[k]!]!;
      const from = this.lowerBound(this.nameOrder.length, nameAt, alt);
      for (let i = from, seen = 0; i < this.nameOrder.length && seen < 200; i++, seen++) {
        const name = nameAt(i);
        if (name === alt) offer(this.nameOrder[i]!, w.synonym * (w.nameExact + w.lastSegmentBonus + w.wholeSegmentBonus), true);
        else if (name.startsWith(`${alt}.`)) offer(this.nameOrder[i]!, w.synonym * w.namePrefix, true);
        else if (!name.startsWith(alt)) break;
      }
      return;
    }
    const id = this.termId(alt);
    if (id >= 0) {
      for (let p = this.nameOff[id]!, end = this.nameOff[id + 1]!; p < end; p++) {
        const v = this.namePost[p]!;
        const flags = v & 3;
        offer(v >>> 2, w.synonym * (w.nameExact + (flags & FLAG_LAST_SEGMENT ? w.lastSegmentBonus : 0) + (flags & FLAG_WHOLE_SEGMENT ? w.wholeSegmentBonus : 0)), true);
      }
    }
    const sid = this.termId(stem(alt));
    if (sid >= 0) {
      for (let p = this.descOff[sid]!, end = this.descOff[sid + 1]!; p < end; p++) offer(this.descPost[p]!, w.synonym * w.description * 0.8);
      for (let p = this.ctxOff[sid]!, end = this.ctxOff[sid + 1]!; p < end; p++) offer(this.ctxPost[p]!, w.synonym * w.context * 0.8);
    }
  }

  /** The exact word, looked up for each current candidate in the (document-ordered) posting lists. */
  private matchTermAmong(term: string, candidates: number, offer: Offer) {
    const w = weights;
    const ids = this.nameVariantIds(term);
    const typedId = this.termId(term);
    const sid = this.termId(stem(term));
    const find = (arr: Uint32Array, from: number, to: number, key: number) => this.lowerBoundIn(arr, from, to, key);
    const descF = sid >= 0 && this.descOff[sid + 1]! - this.descOff[sid]! < this.size / 3;
    const f = sid >= 0 ? 0.45 + 0.55 * Math.min(1, Math.log(1 + this.size / (1 + this.descOff[sid + 1]! - this.descOff[sid]! + this.ctxOff[sid + 1]! - this.ctxOff[sid]!)) / (this.maxIdf * 0.6)) : 0;
    for (let i = 0; i < candidates; i++) {
      const doc = this.touched[i]!;
      for (const id of ids) {
        const from = this.nameOff[id]!;
        const to = this.nameOff[id + 1]!;
        const at = find(this.namePost, from, to, doc * 4);
        if (at < to && this.namePost[at]! >>> 2 === doc) {
          const flags = this.namePost[at]! & 3;
          offer(doc, w.nameExact + (flags & FLAG_LAST_SEGMENT ? w.lastSegmentBonus : 0) + (flags & FLAG_WHOLE_SEGMENT ? w.wholeSegmentBonus : 0), true, id === typedId);
        }
      }
      if (descF) {
        const dFrom = this.descOff[sid]!;
        const dTo = this.descOff[sid + 1]!;
        const d = find(this.descPost, dFrom, dTo, doc);
        if (d < dTo && this.descPost[d] === doc) offer(doc, w.description * f);
        const cFrom = this.ctxOff[sid]!;
        const cTo = this.ctxOff[sid + 1]!;
        const c = find(this.ctxPost, cFrom, cTo, doc);
        if (c < cTo && this.ctxPost[c] === doc) offer(doc, w.context * f);
      }
    }
  }

  /** about how many documents a word's exact matches touch (names and descriptions) */
  private estimate(term: string): number {
    const id = this.termId(term);
    const sid = this.termId(stem(term));
    return (id >= 0 ? this.nameOff[id + 1]! - this.nameOff[id]! : 0) + (sid >= 0 ? this.descOff[sid + 1]! - this.descOff[sid]! : 0);
  }

  /** the first position in arr[from, to) holding a value ≥ key (arr sorted there) */
  private lowerBoundIn(arr: Uint32Array, from: number, to: number, key: number): number {
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lowerBoundU32(arr: Uint32Array, key: number): number {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private markExcluded(word: string, epoch: number) {
    for (const t of new Set([word, word.replace(/-/g, '')])) {
      const id = this.termId(t);
      if (id >= 0) for (let p = this.nameOff[id]!, end = this.nameOff[id + 1]!; p < end; p++) this.excludedEpoch[this.namePost[p]! >>> 2] = epoch;
    }
    const sid = this.termId(stem(word));
    if (sid >= 0) for (let p = this.descOff[sid]!, end = this.descOff[sid + 1]!; p < end; p++) this.excludedEpoch[this.descPost[p]!] = epoch;
  }

  /** evidence about the query as a whole: an exact name, an alias, a program, a module, a name prefix, a dotted path */
  private addWholeQueryEvidence(q: ParsedQuery, epoch: number) {
    const w = weights;
    const bump = (doc: number, score: number) => {
      if (this.docEpoch[doc] === epoch) this.total[doc] = this.total[doc]! + score;
    };
    const aliasScores = (key: string, factor: number, into: Map<number, number>, partial: boolean) => {
      let j = this.lowerBound(this.aliasKeys.length, (k) => this.aliasKeys[k]!, key);
      for (; j < this.aliasKeys.length && this.aliasKeys[j] === key; j++) {
        const kind = this.aliasKind[j]!;
        let score = this.aliasWeight[j]! * factor;
        const doc = this.aliasDoc[j]!;
        // several words, one naming a module: its enable switch, unless another option's name holds more
        // of the other words ("git email" is programs.git.userEmail, "starship prompt" programs.starship.enable)
        if (partial) score = kind === MODULE_ENABLE && this.docEpoch[doc] === epoch && !this.siblingNamesMore(doc, epoch) ? (score * w.moduleEnablePartial) / w.moduleEnable : 0;
        if (score > (into.get(doc) ?? 0)) into.set(doc, score);
      }
    };
    // The query as a whole is a concept of the vocabulary ("cups", "pdf reader"): what NixOS calls it,
    // as if the query had named it, but weaker than a name typed. Several words: the enable switch of a
    // module one of them (or its NixOS word) names ("ssh server" -> services.openssh.enable).
    // A document gets the best of these.
    const named = new Map<number, number>();
    q.concept.forEach((alt, i) => {
      // the usual meaning (listed first) a little above the others
      const factor = w.synonym * (1 - Math.min(i, 10) * 0.02);
      // a package or option of that name, and a word's aliases, programs and module switches
      const doc = this.findNormalized(alt);
      if (doc !== null) named.set(doc, Math.max(named.get(doc) ?? 0, factor * w.alias));
      if (!alt.includes('.')) aliasScores(alt, factor, named, false);
    });
    if (q.terms.length > 1) {
      q.terms.forEach((t, i) => {
        aliasScores(t, 1, named, true);
        for (const alt of q.alternatives[i]!) aliasScores(alt, 1, named, true);
      });
    }
    for (const [doc, score] of named) bump(doc, score);
    const whole = q.whole;
    if (!whole) return;
    const keys = new Set([whole, whole.replace(/-/g, '')]);
    const best = new Map<number, number>();
    for (const key of keys) {
      // exact whole name
      let i = this.lowerBound(this.nameOrder.length, (k) => this.normNames[this.nameOrder[k]!]!, key);
      for (; i < this.nameOrder.length && this.normNames[this.nameOrder[i]!] === key; i++) bump(this.nameOrder[i]!, w.exactName);
      // aliases, programs, module enable options (a document gets the best one)
      aliasScores(key, 1, best, false);
    }
    for (const [doc, score] of best) bump(doc, score);
    // names starting with the query
    const nameAt = (k: number) => this.normNames[this.nameOrder[k]!]!;
    const from = this.lowerBound(this.nameOrder.length, nameAt, whole);
    const to = this.lowerBound(this.nameOrder.length, nameAt, `${whole}\uffff`);
    for (let i = from; i < to; i++) {
      const doc = this.nameOrder[i]!;
      if (this.docEpoch[doc] !== epoch) continue;
      const len = this.normNames[doc]!.length;
      if (len !== whole.length) this.total[doc] = this.total[doc]! + w.fullPrefix * (0.6 + (0.4 * whole.length) / len);
    }
  }

  /** another option of the enable switch's module has more of the query's words in its name than the switch */
  private siblingNamesMore(enableDoc: number, epoch: number): boolean {
    const own = this.scopeCount[enableDoc]!;
    if (own >= this.mostInName) return false;
    const name = this.normNames[enableDoc]!;
    const prefix = name.slice(0, name.lastIndexOf('.') + 1);
    const nameAt = (k: number) => this.normNames[this.nameOrder[k]!]!;
    const from = this.lowerBound(this.nameOrder.length, nameAt, prefix);
    for (let i = from, seen = 0; i < this.nameOrder.length && seen < 1000; i++, seen++) {
      const doc = this.nameOrder[i]!;
      if (!this.normNames[doc]!.startsWith(prefix)) break;
      if (this.docEpoch[doc] === epoch && this.excludedEpoch[doc] !== epoch && this.scopeCount[doc]! > own) return true;
    }
    return false;
  }

  /** a dotted path anywhere in an option name, aligned to segments; for the best candidates only (string work) */
  private dottedEvidence(whole: string, doc: number): number {
    const w = weights;
    const trimmed = whole.replace(/^\.+|\.+$/g, '');
    const name = this.normNames[doc]!;
    if (name === trimmed) return 0;
    if (name.endsWith(`.${trimmed}`)) return w.dottedSuffix;
    if (name.includes(`.${trimmed}.`) || name.startsWith(`${trimmed}.`)) return w.dottedInside;
    if (name.includes(`.${trimmed}`) || name.startsWith(trimmed)) return w.dottedSegmentPrefix;
    return 0;
  }

  private resetEpochs() {
    this.epoch = 1;
    this.docEpoch.fill(0);
    this.excludedEpoch.fill(0);
  }
}

/** the k best items by `better`, without sorting everything */
class TopK {
  private readonly heap: number[] = [];
  /** the score of the worst kept item, once full: anything lower is rejected without a call */
  private floor = -Infinity;
  constructor(
    private readonly k: number,
    private readonly better: (a: number, b: number) => boolean,
    private readonly scoreOf: (item: number) => number,
  ) {}

  push(item: number, score: number) {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(item);
      this.up(h.length - 1);
      if (h.length === this.k) this.floor = this.scoreOf(h[0]!);
    } else if (this.k > 0 && score >= this.floor && this.better(item, h[0]!)) {
      h[0] = item;
      this.down(0);
      this.floor = this.scoreOf(h[0]!);
    }
  }

  sorted(): number[] {
    return [...this.heap].sort((a, b) => (this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0));
  }

  // a min-heap by "better": the root is the worst kept item
  private up(i: number) {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.better(h[p]!, h[i]!)) {
        [h[p], h[i]] = [h[i]!, h[p]!];
        i = p;
      } else break;
    }
  }

  private down(i: number) {
    const h = this.heap;
    for (;;) {
      const l = i * 2 + 1;
      const r = l + 1;
      let worst = i;
      if (l < h.length && this.better(h[worst]!, h[l]!)) worst = l;
      if (r < h.length && this.better(h[worst]!, h[r]!)) worst = r;
      if (worst === i) return;
      [h[worst], h[i]] = [h[i]!, h[worst]!];
      i = worst;
    }
  }
}
