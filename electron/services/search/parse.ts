/**
 * The channel's `packages.json` and `options.json` (and Home Manager's options JSON), in every shape
 * they have had, turned into search documents. See ../shared/data/README.md for the shapes.
 */
import type { OptionResult, OptionValue, PackageResult } from '../../../shared/contract/search';
import { nixIdentifier, nixString } from '../../core/nix';
import type { SourceDoc } from './engine';
import { isPlaceholderSegment, textTerms } from './text';
import { weights } from './weights';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

// ----------------------------------------------------------------------------------------------
// packages

function homepages(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.length > 0);
  return [];
}

function licenses(v: unknown): PackageResult['license'] {
  const one = (l: unknown): PackageResult['license'][number] | null => {
    if (typeof l === 'string') return l ? { name: l, spdxId: null, free: null } : null;
    if (!isObj(l)) return null;
    const name = str(l.fullName) ?? str(l.shortName) ?? str(l.spdxId) ?? str(l.url);
    if (!name) return null;
    return { name, spdxId: str(l.spdxId), free: typeof l.free === 'boolean' ? l.free : null };
  };
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.map(one).filter((x): x is NonNullable<typeof x> => x !== null);
}

function outputs(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (isObj(v)) return Object.keys(v);
  return [];
}

/** "pkgs/tools/text/ripgrep/default.nix:93" -> words that say what kind of thing it is ("tools text") */
function positionWords(position: string | null): string {
  if (!position) return '';
  const dirs = position.replace(/:\d+$/, '').split('/').slice(0, -1);
  return dirs.filter((d) => d !== 'pkgs' && d !== 'by-name' && d.length > 2).join(' ');
}

export interface ParsedPackages {
  version: string;
  docs: SourceDoc[];
}

/** `packages.json` (version 2 as a number or a string): `{version, packages: {attr: {name, pname, version, meta, ...}}}` */
export function parsePackagesJson(data: unknown): ParsedPackages {
  if (!isObj(data) || !isObj(data.packages)) throw new Error('This is not a packages.json file: it has no "packages" object.');
  const version = str(data.version) ?? 'unknown';
  const docs: SourceDoc[] = [];
  const family = familySizes(Object.keys(data.packages));
  for (const [attr, raw] of Object.entries(data.packages)) {
    if (!isObj(raw)) continue;
    const meta = isObj(raw.meta) ? raw.meta : {};
    const name = str(raw.name) ?? attr;
    const pname = str(raw.pname) ?? name.replace(/-\d[\w.+-]*$/, '');
    const version = str(raw.version) ?? (/-(\d[\w.+-]*)$/.exec(name)?.[1] ?? '');
    const vulnerabilities = Array.isArray(meta.knownVulnerabilities) ? meta.knownVulnerabilities.length : 0;
    const license = licenses(meta.license);
    const record: PackageResult = {
      attr,
      pname,
      version,
      description: (str(meta.description) ?? '').trim(),
      longDescription: str(meta.longDescription)?.trim() || null,
      homepage: homepages(meta.homepage),
      license,
      mainProgram: str(meta.mainProgram),
      outputs: outputs(raw.outputs),
      position: str(meta.position),
      broken: meta.broken === true,
      unfree: meta.unfree === true || license.some((l) => l.free === false),
      insecure: meta.insecure === true || vulnerabilities > 0,
    };
    const segments = attr.split('.');
    const last = segments[segments.length - 1]!;
    const aliases = [...new Set([pname, last])].filter((a) => a && a !== attr);
    docs.push({
      name: attr,
      aliases,
      // inside a package set the short name is shared by many (python312Packages.numpy, python313Packages.numpy)
      aliasWeight: segments.length > 1 ? 330 : undefined,
      program: record.mainProgram ?? undefined,
      description: record.description,
      context: `${positionWords(record.position)} ${(record.longDescription ?? '').slice(0, 400)}`,
      prior: packagePrior(segments.length, record) + (segments.length === 1 ? Math.min(weights.familyMost, weights.family * Math.log2(1 + (family.get(attr.toLowerCase()) ?? 0))) : 0),
      record,
    });
  }
  return { version, docs };
}

/**
 * For each top-level attribute, how many other top-level attributes start with its name: firefox has
 * firefox-esr, firefox-bin, firefoxpwa..., tmux has tmuxPlugins, tmuxinator, tmux-sessionizer...
 * Software that nixpkgs packages in variants and plugins is software people use (a prior, small).
 */
function familySizes(attrs: string[]): Map<string, number> {
  const tops = [...new Set(attrs.map((a) => a.split('.')[0]!.toLowerCase()))].sort();
  const sizes = new Map<string, number>();
  for (let i = 0; i < tops.length; i++) {
    const name = tops[i]!;
    let n = 0;
    for (let j = i + 1; j < tops.length && tops[j]!.startsWith(name) && n < 1000; j++) n++;
    if (n) sizes.set(name, n);
  }
  return sizes;
}

/** top-level attributes are what people install; package sets nest the same software many times */
function packagePrior(depth: number, p: PackageResult): number {
  let prior = -22 * (depth - 1);
  if (p.broken) prior -= 40;
  if (p.insecure) prior -= 20;
  if (!p.description) prior -= 4;
  return prior;
}

// ----------------------------------------------------------------------------------------------
// options

/** A default or example as published: `{_type: literalExpression|literalMD|literalDocBook, text}` or a plain JSON value. */
export function optionValue(v: unknown): OptionValue {
  if (v === undefined) return null;
  if (isObj(v) && typeof v._type === 'string') {
    const text = str(v.text) ?? '';
    if (v._type === 'literalExpression' || v._type === 'literalExample') return { kind: 'nix', text };
    return { kind: 'markdown', text };
  }
  return { kind: 'nix', text: jsonToNix(v as Json) };
}

/** A JSON value written as Nix. */
export function jsonToNix(v: Json, indent = ''): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return nixString(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) return v.length ? `[\n${v.map((x) => `${inner}${jsonToNix(x, inner)}`).join('\n')}\n${indent}]` : '[ ]';
  const entries = Object.entries(v);
  if (!entries.length) return '{ }';
  return `{\n${entries.map(([k, x]) => `${inner}${nixIdentifier.test(k) ? k : nixString(k)} = ${jsonToNix(x, inner)};`).join('\n')}\n${indent}}`;
}

export interface OptionsParseContext {
  source: 'nixos' | 'home-manager';
  /** nixpkgs revision for NixOS declaration links; "master" when unknown */
  revision: string;
}

function declarations(v: unknown, ctx: OptionsParseContext): OptionResult['declarations'] {
  if (!Array.isArray(v)) return [];
  return v
    .map((d) => {
      if (isObj(d)) return { name: str(d.name) ?? str(d.url) ?? '', url: str(d.url) };
      if (typeof d !== 'string') return null;
      const hm = /^<home-manager\/(.+)>$/.exec(d);
      if (hm) return { name: d, url: `https://github.com/nix-community/home-manager/blob/master/${hm[1]}` };
      if (d.startsWith('/') || d.startsWith('<')) return { name: d, url: null };
      return { name: d, url: `https://github.com/NixOS/nixpkgs/blob/${ctx.revision}/${d}` };
    })
    .filter((d): d is { name: string; url: string | null } => d !== null && d.name.length > 0);
}

function declarationWords(decls: OptionResult['declarations']): string {
  return decls
    .map((d) => d.name.replace(/^<|>$/g, '').replace(/\.nix$/, '').split('/').filter((p) => p !== 'nixos' && p !== 'modules' && p !== 'home-manager' && p !== 'default').join(' '))
    .join(' ');
}

/** A complete options.json (`{"<option name>": {declarations, default, description, example, loc, readOnly, type}}`). */
export function parseOptionsJson(data: unknown, ctx: OptionsParseContext): SourceDoc[] {
  if (!isObj(data)) throw new Error('This is not an options JSON file: it is not an object of options.');
  const entries = Object.entries(data).filter((e): e is [string, Obj] => isObj(e[1]) && ('type' in e[1] || 'description' in e[1] || 'declarations' in e[1]));
  if (!entries.length && Object.keys(data).length) throw new Error('This is not an options JSON file: none of its entries looks like an option.');

  // what a module is about: the names of its options, gathered for its enable switch
  const childWords = new Map<string, Set<string>>();
  for (const [name] of entries) {
    const segments = name.split('.');
    for (let depth = segments.length - 1; depth >= Math.max(1, segments.length - 3); depth--) {
      const prefix = segments.slice(0, depth).join('.');
      let words = childWords.get(prefix);
      if (!words) childWords.set(prefix, (words = new Set()));
      if (words.size < 200) for (const s of segments.slice(depth)) if (!isPlaceholderSegment(s) && s !== 'enable') words.add(s.replace(/([a-z])([A-Z])/g, '$1 $2'));
    }
  }

  // how many options each module has: a module with many options is a substantial one
  // a module's own description is spread over its options': their words, for the module's enable switch
  // ("starship prompt": only enableTransience says "prompt"), a few dozen per module
  const moduleWords = new Map<string, Set<string>>();
  for (const [name, o] of entries) {
    const segments = name.split('.');
    if (segments.length < 3 || segments[segments.length - 1] === 'enable') continue;
    const prefix = segments.slice(0, -1).join('.');
    let words = moduleWords.get(prefix);
    if (!words) moduleWords.set(prefix, (words = new Set()));
    if (words.size >= 60) continue;
    const text = (str(o.description) ?? '').replace(/\{[a-z]+\}`[^`]*`|<https?:[^>]*>|https?:\S+/g, ' ');
    for (const t of textTerms(text)) if (words.size < 60 && !/\d/.test(t)) words.add(t);
  }

  const moduleSize = new Map<string, number>();
  for (const [name] of entries) {
    const seg = name.split('.');
    for (let depth = 1; depth < seg.length; depth++) {
      const prefix = seg.slice(0, depth).join('.');
      moduleSize.set(prefix, (moduleSize.get(prefix) ?? 0) + 1);
    }
  }

  const mentions = mentionCounts(entries);

  return entries.map(([name, o]) => {
    const decls = declarations(o.declarations, ctx);
    const record: OptionResult = {
      name,
      type: str(o.type) ?? 'unspecified',
      description: str(o.description)?.trim() ?? '',
      default: optionValue(o.default),
      example: optionValue(o.example),
      declarations: decls,
      readOnly: o.readOnly === true,
      source: ctx.source,
    };
    const segments = name.split('.');
    const last = segments[segments.length - 1]!;
    const moduleName = segments.length >= 2 ? segments[segments.length - 2]! : null;
    const isEnable = last === 'enable' && moduleName !== null && !isPlaceholderSegment(moduleName);
    const siblings = isEnable ? [...(childWords.get(segments.slice(0, -1).join('.')) ?? []), ...(moduleWords.get(segments.slice(0, -1).join('.')) ?? [])].join(' ') : '';
    return {
      name,
      enableOf: isEnable ? moduleName! : undefined,
      enableWeight: isEnable ? enableWeight(segments, moduleSize.get(segments.slice(0, -1).join('.')) ?? 1) : undefined,
      description: record.description.replace(/\{[a-z]+\}`([^`]*)`/g, '$1'),
      context: `${declarationWords(decls)} ${siblings} ${valueWords(record.example)} ${valueWords(record.default)}`,
      prior: optionPrior(segments, isEnable, record) + Math.min(weights.mentionedMost, weights.mentioned * Math.log2(1 + (mentions.get(name) ?? 0))),
      record,
    };
  });
}

/**
 * How often other options mention an option (or its module, for the module's enable switch) in their
 * descriptions, defaults and examples: `config.networking.hostName`, "see {option}`networking.firewall.allowedTCPPorts`".
 * The options the rest of NixOS refers to are the central ones, the ones people mean.
 */
function mentionCounts(entries: [string, Obj][]): Map<string, number> {
  const names = new Set(entries.map(([name]) => name));
  const counts = new Map<string, number>();
  const path = /[A-Za-z_][\w'-]*(?:\.(?:[A-Za-z_][\w'-]*|<name>|\*))+/g;
  for (const [name, o] of entries) {
    const text = [str(o.description) ?? '', isObj(o.default) ? (str(o.default.text) ?? '') : '', isObj(o.example) ? (str(o.example.text) ?? '') : ''].join(' ');
    const seen = new Set<string>();
    for (const found of text.match(path) ?? []) {
      let target = found.replace(/^config\./, '');
      if (!names.has(target)) target = `${target}.enable`;
      // an option's own module mentioning it says nothing
      if (!names.has(target) || seen.has(target) || target.slice(0, target.lastIndexOf('.')) === name.slice(0, name.lastIndexOf('.'))) continue;
      seen.add(target);
      counts.set(target, (counts.get(target) ?? 0) + 1);
    }
  }
  return counts;
}

/** the names in an example or default (`pkgs.zsh`, `"1.1.1.1"` gives nothing): what values the option takes */
function valueWords(v: OptionValue): string {
  if (!v || v.text.length > 400) return '';
  return (v.text.match(/[A-Za-z][A-Za-z0-9-]{2,}/g) ?? []).filter((w) => !valueNoise.has(w)).slice(0, 12).join(' ');
}

const valueNoise = new Set(['pkgs', 'lib', 'config', 'true', 'false', 'null', 'with', 'let', 'inherit', 'literalExpression', 'mkDefault', 'mkForce', 'optional', 'optionals', 'getExe']);

/**
 * How strongly a module's name selects its enable switch: a real module (several options) near the top
 * of the tree is what a person typing its name wants; a lone flag deep inside another feature is not.
 */
function enableWeight(segments: string[], size: number): number {
  if (size < 3) return 40;
  const placeholder = segments.some(isPlaceholderSegment) ? 150 : 0;
  // services.mysql is MySQL itself; users.mysql wires it into something else
  const software = segments[0] === 'services' || segments[0] === 'programs' ? 30 : 0;
  return 420 + 60 * Math.log10(size) - 35 * Math.max(0, segments.length - 3) - placeholder + software;
}

function optionPrior(segments: string[], isEnable: boolean, o: OptionResult): number {
  let prior = -4 * Math.max(0, segments.length - 3);
  if (segments.some(isPlaceholderSegment)) prior -= 14;
  if (isEnable) prior += 6;
  if (o.readOnly) prior -= 6;
  return prior;
}
