/**
 * Evidence about the query as a whole: an exact name, an alias, a program, a module's enable switch (by
 * its name, the start of it, or a typo of it), the options of a module one of the words names, a name the
 * query starts, a dotted path inside a name.
 */
import type { ParsedQuery } from './query-plan';
import { Scorer } from './scoring';
import { deletionKeys, editDistance, hash32 } from './text';
import { MODULE_ENABLE, weights } from './weights';

export class WholeQueryScorer extends Scorer {
  /** evidence about the query as a whole: an exact name, an alias, a program, a module, a name prefix, a dotted path */
  protected addWholeQueryEvidence(q: ParsedQuery, epoch: number) {
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
        if (q.scoped[i] && !q.dotted) this.moduleScope(t, epoch, named);
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
    // one word that is not quite a module's name: the start of one ("tailsc") or a typo of one ("ngnx")
    if (q.terms.length === 1 && !q.dotted) this.nearModuleNames(whole, q.lastIsOpen, epoch, best);
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

  /**
   * A word of a query of several that names a module ("firewall" in "open a port in the firewall"): the
   * module's options that have another of the query's words are what it asks about, more than options
   * elsewhere with the same words (the hundreds of services.*.openFirewall).
   */
  protected moduleScope(term: string, epoch: number, into: Map<number, number>) {
    const nameAt = (k: number) => this.normNames[this.nameOrder[k]!]!;
    let j = this.lowerBound(this.aliasKeys.length, (k) => this.aliasKeys[k]!, term);
    for (let rows = 0; j < this.aliasKeys.length && this.aliasKeys[j] === term && rows < 8; j++, rows++) {
      if (this.aliasKind[j] !== MODULE_ENABLE) continue;
      const name = this.normNames[this.aliasDoc[j]!]!;
      const prefix = name.slice(0, name.lastIndexOf('.') + 1);
      const from = this.lowerBound(this.nameOrder.length, nameAt, prefix);
      for (let i = from, seen = 0; i < this.nameOrder.length && seen < 2000; i++, seen++) {
        const doc = this.nameOrder[i]!;
        if (!this.normNames[doc]!.startsWith(prefix)) break;
        // the module's word is in the name: a second word matched makes two
        if (this.docEpoch[doc] === epoch && this.count[doc]! >= 2) into.set(doc, Math.max(into.get(doc) ?? 0, weights.moduleScope));
      }
    }
  }

  /** module enable switches whose module name the word starts (while typing) or is one or two typos from */
  protected nearModuleNames(word: string, open: boolean, epoch: number, into: Map<number, number>) {
    const offerKey = (key: string, factor: number) => {
      for (let j = this.lowerBound(this.aliasKeys.length, (k) => this.aliasKeys[k]!, key); j < this.aliasKeys.length && this.aliasKeys[j] === key; j++) {
        const doc = this.aliasDoc[j]!;
        if (this.aliasKind[j] !== MODULE_ENABLE || this.docEpoch[doc] !== epoch) continue;
        const score = this.aliasWeight[j]! * factor;
        if (score > (into.get(doc) ?? 0)) into.set(doc, score);
      }
    };
    if (open && word.length >= 3) {
      const from = this.lowerBound(this.aliasKeys.length, (k) => this.aliasKeys[k]!, word);
      let last = '';
      for (let j = from, rows = 0; j < this.aliasKeys.length && rows < 400; j++, rows++) {
        const key = this.aliasKeys[j]!;
        if (!key.startsWith(word)) break;
        if (key === word || key === last) continue;
        last = key;
        offerKey(key, weights.nearModulePrefix + (weights.nearModulePrefixLength * word.length) / key.length);
      }
    }
    if (word.length >= 4) {
      const maxDistance = word.length >= 8 ? 2 : 1;
      const seen = new Set<number>();
      for (const key of deletionKeys(word)) {
        const h = hash32(key);
        for (let i = this.lowerBoundIn(this.typoHash, 0, this.typoHash.length, h); i < this.typoHash.length && this.typoHash[i] === h; i++) {
          const tid = this.typoTerm[i]!;
          if (seen.has(tid)) continue;
          seen.add(tid);
          const cand = this.terms[tid]!;
          if (cand === word) continue;
          const d = editDistance(word, cand, maxDistance);
          if (d <= maxDistance) offerKey(cand, d === 1 ? weights.nearModuleTypo : weights.nearModuleTypo * 0.8);
        }
      }
    }
  }

  /** another option of the enable switch's module has more of the query's words in its name than the switch */
  protected siblingNamesMore(enableDoc: number, epoch: number): boolean {
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
  protected dottedEvidence(whole: string, doc: number): number {
    const w = weights;
    const trimmed = whole.replace(/^\.+|\.+$/g, '');
    const name = this.normNames[doc]!;
    if (name === trimmed) return 0;
    if (name.endsWith(`.${trimmed}`)) return w.dottedSuffix;
    if (name.includes(`.${trimmed}.`) || name.startsWith(`${trimmed}.`)) return w.dottedInside;
    if (name.includes(`.${trimmed}`) || name.startsWith(trimmed)) return w.dottedSegmentPrefix;
    return 0;
  }
}
