/**
 * What each kind of evidence is worth, and the thresholds that keep queries fast. Shared by the index
 * builder (alias kinds, name flags) and the scorer.
 */
export const ALIAS = 1;
export const PROGRAM = 2;
export const MODULE_ENABLE = 3;

/** near matches (typos, words inside words) of a word this common are noise, and slow */
export const COMMON_WORD_POSTINGS = 5000;

/** description postings walked for one word at most (longer lists tell little and cost much) */
export const DESCRIPTION_WALK_MAX = 8000;

/** in a query of several words, a word matching more documents than this only scores the others' candidates */
export const RESTRICT_ABOVE = 4000;

/** the per-document epoch marks are 16 bits: at this count they are cleared and start again */
export const EPOCH_WRAP = 0xffff;

export const FLAG_LAST_SEGMENT = 1;
export const FLAG_WHOLE_SEGMENT = 2;

/** What each kind of evidence is worth. Whole-query evidence dominates; per-word evidence orders the rest. */
export const weights = {
  exactName: 1000,
  alias: 520,
  program: 470,
  moduleEnable: 450,
  /** in a query of several words, one of which names the module */
  moduleEnablePartial: 110,
  /** in a query of several words, an option of a module one of the words names, having another of the words */
  moduleScope: 60,
  /** one word that starts a module's name ("tailsc"): its enable switch gets this part of the module weight, plus the next times the part typed */
  nearModulePrefix: 0.5,
  nearModulePrefixLength: 0.35,
  /** one word one typo from a module's name ("ngnx"): this part of the module weight */
  nearModuleTypo: 0.6,
  /** an option other options mention: this much per doubling of the mentions (a prior), at most mentionedMost */
  mentioned: 5,
  mentionedMost: 25,
  /** a top-level package whose name starts others (variants, plugins): this much per doubling of them, at most familyMost */
  family: 3,
  familyMost: 12,
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
  /** for each query word a document lacks, times what the word tells (0..1, IndexData.termInformation) */
  missingInformation: 150,
  /** a vocabulary phrase's NixOS words, for the phrase's words after the first */
  phraseRest: 1,
};

/** inName: the word is in the document's name; typed: as typed, not a plural, prefix, typo or synonym of it */
export type Offer = (doc: number, score: number, inName?: boolean, typed?: boolean) => void;
