/**
 * Scoring, word by word: how each query word meets the index (the word itself and its plural, words it
 * starts, typos, words it is inside, the vocabulary's NixOS words), and the order of two results.
 * Per-query state lives in typed arrays sized to the corpus and reset by epoch, not cleared.
 * Evidence about the query as a whole is in whole-query.ts.
 */
import type { Layout } from './index-format';
import { IndexData } from './index-data';
import { deletionKeys, editDistance, hash32, stem } from './text';
import { COMMON_WORD_POSTINGS, DESCRIPTION_WALK_MAX, FLAG_LAST_SEGMENT, FLAG_WHOLE_SEGMENT, type Offer, weights } from './weights';

export class Scorer extends IndexData {
  // scratch space reused by every query; epochs avoid clearing it (16 bits: cleared every 65,535 queries)
  protected epoch = 0;
  protected termCounter = 0;
  protected touchedCount = 0;
  protected readonly docEpoch: Uint16Array;
  protected readonly total: Float32Array;
  protected readonly count: Uint8Array;
  /** per document: the information (termInformation) of the query words it has */
  protected readonly covered: Float32Array;
  protected readonly touched: Uint32Array;
  protected readonly termEpoch: Uint16Array;
  protected readonly best: Float32Array;
  protected readonly bestInName: Uint8Array;
  protected readonly nameCount: Uint8Array;
  /** per document: how many of the query's content words (not action or module words) are in its name */
  protected readonly scopeCount: Uint8Array;
  /** the most content words any candidate has in its name (scopes the module-enable evidence) */
  protected mostInName = 0;
  protected readonly termTouched: Uint32Array;
  protected readonly excludedEpoch: Uint16Array;

  protected constructor(file: Buffer, layout: Layout, readRecord: (start: number, end: number) => string) {
    super(file, layout, readRecord);
    this.docEpoch = new Uint16Array(this.size);
    this.total = new Float32Array(this.size);
    this.count = new Uint8Array(this.size);
    this.covered = new Float32Array(this.size);
    this.touched = new Uint32Array(this.size);
    this.termEpoch = new Uint16Array(this.size);
    this.best = new Float32Array(this.size);
    this.bestInName = new Uint8Array(this.size);
    this.nameCount = new Uint8Array(this.size);
    this.scopeCount = new Uint8Array(this.size);
    this.termTouched = new Uint32Array(this.size);
    this.excludedEpoch = new Uint16Array(this.size);
  }

  /** true when a ranks above b: score, then shorter name, then alphabetical */
  protected better(a: number, b: number): boolean {
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
  protected matchTerm(term: string, open: boolean, offer: Offer, among = 0) {
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
    // (the plural of a word that is in thousands of names, "packages" for "package", only for candidates)
    for (const vid of variants) {
      if (vid === id) eachName(vid, w.nameExact, 1, true);
      else if (among > 0 || this.nameOff[vid + 1]! - this.nameOff[vid]! <= COMMON_WORD_POSTINGS) eachName(vid, w.nameExact * w.inflection, w.inflection * 0.7);
    }
    const stemmed = stem(term);
    const sid = stemmed === term ? id : this.termId(stemmed);
    // a word in a third of all descriptions tells nothing about any of them, and a word in thousands
    // of descriptions (or contexts) is only looked up for the candidates other words found, not walked
    const descDf = sid >= 0 ? this.descOff[sid + 1]! - this.descOff[sid]! : 0;
    if (sid >= 0 && descDf < this.size / 3) {
      const f = idf(sid);
      if (descDf <= DESCRIPTION_WALK_MAX || among > 0) eachDesc(sid, w.description * f);
      if (this.ctxOff[sid + 1]! - this.ctxOff[sid]! <= DESCRIPTION_WALK_MAX || among > 0) eachCtx(sid, w.context * f);
    }

    // words that start with it
    const lo = this.lowerBound(this.terms.length, (k) => this.terms[k]!, term);
    // a word already in thousands of names gains little from the longer words it starts (unless it is
    // still being typed) or is inside: "haskell package" need not walk every haskellPackages name again
    let asWord = 0;
    for (const vid of variants) asWord += this.nameOff[vid + 1]! - this.nameOff[vid]!;
    const common = asWord >= COMMON_WORD_POSTINGS;
    let budget = !open && common ? 0 : term.length <= 2 ? 20_000 : 60_000;
    let descBudget = DESCRIPTION_WALK_MAX;
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
  protected matchAlternative(alt: string, offer: Offer, factor = 1) {
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
  protected matchTermAmong(term: string, candidates: number, offer: Offer) {
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

  protected lowerBoundU32(arr: Uint32Array, key: number): number {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  protected markExcluded(word: string, epoch: number) {
    for (const t of new Set([word, word.replace(/-/g, '')])) {
      const id = this.termId(t);
      if (id >= 0) for (let p = this.nameOff[id]!, end = this.nameOff[id + 1]!; p < end; p++) this.excludedEpoch[this.namePost[p]! >>> 2] = epoch;
    }
    const sid = this.termId(stem(word));
    if (sid >= 0) for (let p = this.descOff[sid]!, end = this.descOff[sid + 1]!; p < end; p++) this.excludedEpoch[this.descPost[p]!] = epoch;
  }

  protected resetEpochs() {
    this.epoch = 1;
    this.docEpoch.fill(0);
    this.excludedEpoch.fill(0);
  }
}
