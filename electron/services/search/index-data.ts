/**
 * A loaded index: typed-array views over the file's sections (no parsing beyond splitting a few string
 * tables) and the lookups every query uses (term ids, sorted-table searches, records on demand).
 */
import { closeSync } from 'node:fs';
import { ctors, type IndexMeta, type Layout } from './index-format';
import { normalizeName, stem } from './text';

export class IndexData {
  readonly meta: IndexMeta;
  readonly size: number;
  protected namesBytes: Buffer;
  protected namesCache: string[] | null = null;
  protected readonly readRecord: (start: number, end: number) => string;
  protected readonly normNames: string[];
  protected readonly nameOrder: Uint32Array;
  protected readonly nameRank: Uint32Array;
  protected readonly terms: string[];
  protected readonly nameOff: Uint32Array;
  protected readonly namePost: Uint32Array;
  protected readonly descOff: Uint32Array;
  protected readonly descPost: Uint32Array;
  protected readonly ctxOff: Uint32Array;
  protected readonly ctxPost: Uint32Array;
  protected readonly typoHash: Uint32Array;
  protected readonly typoTerm: Uint32Array;
  protected readonly sufTerm: Uint32Array;
  protected readonly sufOff: Uint8Array;
  protected readonly aliasKeys: string[];
  protected readonly aliasDoc: Uint32Array;
  protected readonly aliasKind: Uint8Array;
  protected readonly aliasWeight: Float32Array;
  protected readonly prior: Float32Array;
  protected readonly recordOff: Uint32Array;
  protected readonly maxIdf: number;
  protected fd: number | null = null;

  protected constructor(file: Buffer, layout: Layout, readRecord: (start: number, end: number) => string) {
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
  }

  /** releases the file (records are no longer readable afterwards) */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** names as written (the index works on normalized ones); split on first use */
  protected get names(): string[] {
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

  protected findNormalized(key: string): number | null {
    const i = this.lowerBound(this.nameOrder.length, (k) => this.normNames[this.nameOrder[k]!]!, key);
    return i < this.nameOrder.length && this.normNames[this.nameOrder[i]!] === key ? this.nameOrder[i]! : null;
  }

  protected lowerBound(n: number, at: (i: number) => string, key: string): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** the first position in arr[from, to) holding a value ≥ key (arr sorted there) */
  protected lowerBoundIn(arr: Uint32Array, from: number, to: number, key: number): number {
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  protected termId(t: string): number {
    const i = this.lowerBound(this.terms.length, (k) => this.terms[k]!, t);
    return i < this.terms.length && this.terms[i] === t ? i : -1;
  }

  /** ids of the word and its singular/plural among name terms */
  protected nameVariantIds(term: string): number[] {
    const out: number[] = [];
    for (const v of new Set([term, stem(term), term.endsWith('s') ? term : `${term}s`])) {
      const id = this.termId(v);
      if (id >= 0 && this.nameOff[id + 1]! > this.nameOff[id]!) out.push(id);
    }
    return out;
  }

  hasNameTerm(t: string): boolean {
    const id = this.termId(t);
    return id >= 0 && this.nameOff[id + 1]! > this.nameOff[id]!;
  }

  /**
   * How much a word of a query tells, from the corpus itself: rare words more than common ones (IDF),
   * and words that name things (they are in option and package names: "hostname", "port") more than
   * the words of prose around them, which are mostly in descriptions ("change", "make", "longer").
   * A document that lacks a word pays for it in proportion (weights.missingInformation).
   */
  termInformation(term: string): number {
    const sid = this.termId(stem(term));
    let inNames = 0;
    for (const id of this.nameVariantIds(term)) inNames += this.nameOff[id + 1]! - this.nameOff[id]!;
    const inText = sid >= 0 ? this.descOff[sid + 1]! - this.descOff[sid]! : 0;
    const idf = Math.log(1 + this.size / (1 + inNames + inText)) / this.maxIdf;
    const naming = Math.min(1, (3 * inNames) / (1 + inNames + inText));
    return idf * (0.2 + 0.8 * naming);
  }

  /** about how many documents a word's exact matches touch (names and descriptions) */
  protected estimate(term: string): number {
    const id = this.termId(term);
    const sid = this.termId(stem(term));
    return (id >= 0 ? this.nameOff[id + 1]! - this.nameOff[id]! : 0) + (sid >= 0 ? this.descOff[sid + 1]! - this.descOff[sid]! : 0);
  }
}
