/**
 * The search index: built once per source (index-build.ts), written to one binary file
 * (index-format.ts), loaded as typed-array views (index-data.ts), queried in a few milliseconds.
 *
 * A query is planned (query-plan.ts: terms, the vocabulary's NixOS words, excluded words), its words are
 * matched rarest first (scoring.ts), evidence about the whole query is added (whole-query.ts), and the best are kept
 * without sorting everything (top-k.ts).
 */
import { openIndexFile, readLayout } from './index-format';
import { parseQuery, type ParsedQuery } from './query-plan';
import { WholeQueryScorer } from './whole-query';
import { TopK } from './top-k';
import { EPOCH_WRAP, RESTRICT_ABOVE, weights } from './weights';

export { buildIndex, INDEX_FORMAT_VERSION, type SourceDoc } from './index-build';
export type { IndexMeta } from './index-format';
export { weights } from './weights';

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

export class SearchIndex extends WholeQueryScorer {
  /** An index held wholly in memory (just built). */
  static fromBuffer(file: Buffer): SearchIndex {
    const layout = readLayout((start, end) => file.subarray(start, end));
    return new SearchIndex(file, layout, (start, end) => file.toString('utf8', layout.recordsAt + start, layout.recordsAt + end));
  }

  /** An index file: everything but the records is read now; each record is read from disk when shown. */
  static open(file: string): SearchIndex {
    const opened = openIndexFile(file);
    const index = new SearchIndex(opened.body, opened.layout, opened.readRecord);
    index.fd = opened.fd;
    return index;
  }

  get memoryBytes(): number {
    let n = this.namesBytes.length + this.normNames.length * 48 + this.terms.length * 40 + this.aliasKeys.length * 40;
    for (const a of [this.nameOrder, this.nameRank, this.nameOff, this.namePost, this.descOff, this.descPost, this.ctxOff, this.ctxPost, this.typoHash, this.typoTerm, this.sufTerm, this.sufOff, this.aliasDoc, this.aliasKind, this.prior, this.recordOff]) n += a.byteLength;
    // scratch: total, best, covered, touched, termTouched (4 bytes), three epochs (2), count, bestInName, nameCount, scopeCount (1)
    n += this.size * (5 * 4 + 3 * 2 + 4);
    return n;
  }

  /**
   * A few queries of each kind (a name, the start of one, a typo, several words, a dotted path, an
   * exclusion) made from the index's own names: running them compiles the code paths before a person's
   * first query, not during it.
   */
  warmUpQueries(): string[] {
    const out: string[] = [];
    for (let i = 0; i < 4 && this.size; i++) {
      const name = this.normNames[Math.floor((i * this.size) / 4)]!;
      const words = name.split(/[.-]/).filter((x) => x.length > 2);
      const word = words.at(-1) ?? name;
      out.push(word, word.slice(0, 3), word.length > 4 ? word.slice(0, 2) + word[3] + word[2] + word.slice(4) : word, words.join(' '), name, `${word} ${words[0] ?? ''} -x`);
    }
    return out;
  }

  warmUp(): void {
    for (const q of this.warmUpQueries()) this.search(q, { limit: 50, offset: 0 });
  }

  parse(query: string): ParsedQuery {
    return parseQuery(query, (t) => this.hasNameTerm(t));
  }

  search(query: string, opts: QueryOptions): QueryResult {
    const q = this.parse(query);
    if (!q.terms.length) return { hits: [], total: 0 };
    const epoch = ++this.epoch;
    if (epoch === EPOCH_WRAP) this.resetEpochs();
    let touchedCount = 0;

    // Rare words first; a very common word in a query of several only scores the documents the rarer
    // words found (conjunctive evaluation): "haskell.packages.ghc910.x" does not walk every "packages".
    const order = q.terms.map((term, index) => ({ term, index, size: this.estimate(term) })).sort((a, b) => a.size - b.size);
    const information = q.terms.map((t, i) => (q.optional[i] ? 0 : this.termInformation(t)));
    order.forEach(({ term, index, size }, position) => {
      const isLast = index === q.terms.length - 1;
      // (a dotted path is a name: its other segments, "services" or "conf…", only check the rarest one's candidates)
      const restrict = position > 0 && (q.dotted || size > RESTRICT_ABOVE) && touchedCount > 0;
      const termEpoch = ++this.termCounter;
      if (termEpoch === EPOCH_WRAP) {
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
          this.covered[doc] = 0;
          this.nameCount[doc] = 0;
          this.scopeCount[doc] = 0;
          this.touched[touchedCount++] = doc;
        }
        // the word itself in the name (not a plural, prefix, typo or synonym of it)
        if (q.scoped[index] && this.bestInName[doc] === 2) this.scopeCount[doc] = this.scopeCount[doc]! + 1;
        this.total[doc] = this.total[doc]! + this.best[doc]!;
        if (!q.optional[index]) this.count[doc] = this.count[doc]! + 1;
        this.covered[doc] = this.covered[doc]! + information[index]!;
        if (this.bestInName[doc]) this.nameCount[doc] = this.nameCount[doc]! + 1;
      }
    });

    this.touchedCount = touchedCount;
    for (const word of q.excluded) this.markExcluded(word, epoch);

    // A document need not have every word: one lacking a word pays what the word tells (a word of prose
    // little, a rare name word much). It is left out when it has less than half of what the best have,
    // unless it has all but one of the words of a sentence of three or more (of the most any document has).
    // A dotted path is a name: every segment, as far as any document has them.
    const wanted = information.reduce((a, b) => a + b, 0);
    let mostCovered = 0;
    let most = 0;
    let mostInName = 0;
    for (let i = 0; i < touchedCount; i++) {
      const doc = this.touched[i]!;
      if (this.excludedEpoch[doc] === epoch || this.count[doc] === 0) continue;
      if (this.covered[doc]! > mostCovered) mostCovered = this.covered[doc]!;
      if (this.count[doc]! > most) most = this.count[doc]!;
      if (this.scopeCount[doc]! > mostInName) mostInName = this.scopeCount[doc]!;
    }
    this.mostInName = mostInName;
    if (mostCovered === 0) return { hits: [], total: 0 };
    const minimum = q.dotted ? mostCovered : mostCovered * 0.5;
    const asked = Math.min(most, information.filter((x) => x > 0).length);
    const enough = asked >= 3 && !q.dotted ? asked - 1 : asked;

    this.addWholeQueryEvidence(q, epoch);

    const w = weights;
    const k = Math.min(opts.offset + opts.limit, 10_000);
    // dotted queries get a second look at a wider set of candidates, so the first pass keeps more
    const keep = q.dotted && q.whole ? Math.max(k * 4, 400) : k;
    const heap = new TopK(keep, (a, b) => this.better(a, b), (d) => this.total[d]!);
    let total = 0;
    for (let i = 0; i < touchedCount; i++) {
      const doc = this.touched[i]!;
      if (this.count[doc] === 0 || (this.covered[doc]! < minimum && this.count[doc]! < enough) || this.excludedEpoch[doc] === epoch) continue;
      total++;
      this.total[doc] = this.total[doc]! + this.prior[doc]! - (wanted - this.covered[doc]!) * w.missingInformation;
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
}
