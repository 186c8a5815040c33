/**
 * The failures of `nixos-rebuild`, `home-manager` and `nix` a person meets most, recognised in the tool's
 * own words and explained in plain ones, with the fixes that apply (as GitHub Desktop declares the errors
 * each git call can expect). Neutral: no service, no command, no Electron. What needs the app's data (the
 * closest package names, whether git tracks a file) comes in through the context.
 *
 * The message formats followed, each tested against the real tool or a recorded output (tests/fixtures/nix-errors):
 * - nixpkgs pkgs/stdenv/generic/check-meta.nix: "Package ‘x’ in … has an unfree license (‘…’), refusing to
 *   evaluate." (≤ 25.05) and "Refusing to evaluate package 'x' in … because it has an unfree license (‘…’)"
 *   (with remediations.nix, 25.11+); "is marked as insecure" likewise.
 * - Nix's evaluator: "undefined variable 'x'", "attribute 'x' missing" (+ "Did you mean …?" since 2.16),
 *   "infinite recursion encountered", "syntax error, unexpected …".
 * - nixpkgs lib/modules.nix: "The option `x' does not exist.", mkRenamedOptionModule's "The option `x'
 *   defined in … has been renamed to `y'." / "Obsolete option `x' is used. It was renamed to `y'.",
 *   mkRemovedOptionModule's "The option definition `x' in … no longer has any effect; please remove it."
 *   and "The option `x' can no longer be used since it's been removed."
 * - Nix's store: "hash mismatch in fixed-output derivation '…': specified: … got: …", "No space left on
 *   device", "unable to download '…': Could not resolve host: …" (curl's "Couldn't resolve host name").
 * - nixpkgs buildEnv (pkgs/build-support/buildenv/builder.pl): "collision between `a' and `b'"; Nix's
 *   builtin buildenv (nix-env, nix profile): "Unable to build profile. There is a conflict for the following files:".
 * - Nix on a git flake: "path '/nix/store/…-source/x.nix' does not exist" (2.8: "getting status of '…': No such file or directory").
 * - home-manager: checkLinkTargets' "Existing file '…' is in the way of '…'" (≤ 25.05) / "would be clobbered"
 *   (25.11), modules/misc/version.nix's home.stateVersion enum, the Nixpkgs release check warning.
 */
import type { ErrorExplanation, FixAction } from '../../shared/contract/core';

export type NixTool = 'nixos-rebuild' | 'home-manager' | 'nix';
export type ConfigKind = 'channels' | 'flake';

export interface ErrorLocation {
  file: string;
  line: number;
  column: number;
}

export interface ExplainContext {
  tool: NixTool;
  /** how the configuration is built: a channel's configuration.nix, or a flake */
  configKind?: ConfigKind | null;
  /** package names close to `name`, best first (the app's offline package index); none when absent */
  closestNames?: (name: string) => string[];
  /** option names close to `name`, best first (the app's offline options index) */
  closestOptions?: (name: string) => string[];
  /** where the app already placed the error in the person's files (preferred over positions in the text) */
  location?: ErrorLocation | null;
  /** the file a config fix edits: configuration.nix (system) or home.nix (Home Manager) */
  configFile?: string | null;
  /** a flake file git does not track, as the caller found it (git ls-files) */
  untracked?: { file: string; repo: string; relative: string } | null;
}

type Fix = ErrorExplanation['fixes'][number];

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const stripAnsi = (s: string) => s.replace(ANSI, '');

/** A store path's name without its hash: `/nix/store/abc…-firefox-133.0/bin/x` -> `firefox-133.0`. */
export function storeName(p: string): string {
  return /\/nix\/store\/[0-9a-z]{32}-([^/]+)/.exec(p)?.[1] ?? p;
}

/** `firefox-133.0` -> `firefox`, as nixpkgs' lib.getName splits names (the version starts at the first "-<digit>"). */
export function packageName(nameWithVersion: string): string {
  const m = /^(.*?)-(?=\d)/.exec(nameWithVersion);
  return m ? m[1]! : nameWithVersion;
}

/** The first position in the text outside the store (else none): Nix ≥ 2.4 prints "at /file:line:col:". */
function positionIn(text: string): ErrorLocation | null {
  for (const m of text.matchAll(/(?:^|\s)at (\/[^\s:]+):(\d+):(\d+)/gm)) {
    if (!m[1]!.startsWith('/nix/store/')) return { file: m[1]!, line: Number(m[2]), column: Number(m[3]) };
  }
  return null;
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function openFix(loc: ErrorLocation | null | undefined, what = 'Open'): Fix[] {
  if (!loc) return [];
  return [{ label: `${what} ${baseName(loc.file)} at line ${loc.line}`, action: { kind: 'open-file', file: loc.file, line: loc.line, column: loc.column } }];
}

function withLocation(e: Omit<ErrorExplanation, 'location'>, loc: ErrorLocation | null | undefined): ErrorExplanation {
  const out: ErrorExplanation = { ...e };
  if (loc) out.location = loc;
  if (out.suggestions && !out.suggestions.length) delete out.suggestions;
  return out;
}

const unique = (xs: string[]) => [...new Set(xs)];

// ---- home-manager: files in the way ------------------------------------------------------------------

export interface Clobbered {
  path: string;
  backupInTheWay: string | null;
}

/**
 * home-manager's checkLinkTargets refuses to overwrite files it does not own. Its wording changed over
 * releases; all of these are real:
 *   Existing file '/home/a/.bashrc' is in the way of '/nix/store/…-home-manager-files/.bashrc'   (≤ 25.05)
 *   Existing file '/home/a/.bashrc' would be clobbered                                            (≥ 25.11)
 *   Existing file '/home/a/.bashrc.backup' would be clobbered by backing up '/home/a/.bashrc'     (with -b)
 */
export function parseClobbered(lines: string[]): Clobbered[] {
  const out = new Map<string, Clobbered>();
  for (const raw of lines) {
    const line = stripAnsi(raw).trim();
    let m = /^Existing file '(.+)' would be clobbered by backing up '(.+)'$/.exec(line);
    if (m) {
      out.set(m[2]!, { path: m[2]!, backupInTheWay: m[1]! });
      continue;
    }
    m = /^Existing file '(.+)' would be clobbered$/.exec(line) ?? /^Existing file '(.+)' is in the way of '(\/nix\/store\/[^']*)'$/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, { path: m[1]!, backupInTheWay: null });
  }
  return [...out.values()];
}

// ---- flakes: a file git does not track -------------------------------------------------------------

/** The path Nix could not find in a flake's store copy ("path '…' does not exist"; Nix 2.8: "getting status of '…'"), or null. */
export function missingFlakePath(text: string): string | null {
  const m = /(?:path '(\/nix\/store\/[^']+)' does not exist|getting status of '(\/nix\/store\/[^']+)': No such file or directory)/.exec(stripAnsi(text));
  return m ? (m[1] ?? m[2])! : null;
}

// ---- options renamed or removed in NixOS and Home Manager ------------------------------------------

/**
 * Options whose rename module (mkRenamedOptionModule) nixpkgs or Home Manager has since dropped, so using
 * the old name says only "does not exist". From nixos/modules/rename.nix and the modules' own imports.
 */
const KNOWN_RENAMES: Record<string, { to: string | null; since: string; note?: string }> = {
  'hardware.opengl.enable': { to: 'hardware.graphics.enable', since: 'NixOS 24.11' },
  'hardware.opengl.driSupport32Bit': { to: 'hardware.graphics.enable32Bit', since: 'NixOS 24.11' },
  'hardware.opengl.extraPackages': { to: 'hardware.graphics.extraPackages', since: 'NixOS 24.11' },
  'hardware.pulseaudio.enable': { to: 'services.pulseaudio.enable', since: 'NixOS 25.05' },
  'sound.enable': { to: null, since: 'NixOS 24.11', note: 'It no longer has any effect: sound works without it (PipeWire or PulseAudio is enabled on its own).' },
  'services.xserver.layout': { to: 'services.xserver.xkb.layout', since: 'NixOS 23.11' },
  'services.xserver.xkbVariant': { to: 'services.xserver.xkb.variant', since: 'NixOS 23.11' },
  'services.xserver.xkbOptions': { to: 'services.xserver.xkb.options', since: 'NixOS 23.11' },
  'services.xserver.libinput.enable': { to: 'services.libinput.enable', since: 'NixOS 24.05' },
  'services.xserver.displayManager.sddm.enable': { to: 'services.displayManager.sddm.enable', since: 'NixOS 24.05' },
  'services.xserver.displayManager.autoLogin.enable': { to: 'services.displayManager.autoLogin.enable', since: 'NixOS 24.05' },
  'services.xserver.displayManager.autoLogin.user': { to: 'services.displayManager.autoLogin.user', since: 'NixOS 24.05' },
  'services.xserver.displayManager.gdm.enable': { to: 'services.displayManager.gdm.enable', since: 'NixOS 25.11' },
  'services.xserver.desktopManager.gnome.enable': { to: 'services.desktopManager.gnome.enable', since: 'NixOS 25.11' },
  'services.xserver.desktopManager.plasma6.enable': { to: 'services.desktopManager.plasma6.enable', since: 'NixOS 24.05' },
  'fonts.fonts': { to: 'fonts.packages', since: 'NixOS 23.11' },
  'programs.git.userName': { to: 'programs.git.settings.user.name', since: 'Home Manager 25.11' },
  'programs.git.userEmail': { to: 'programs.git.settings.user.email', since: 'Home Manager 25.11' },
  'programs.git.extraConfig': { to: 'programs.git.settings', since: 'Home Manager 25.11' },
};

/** A known rename of the name or of a setting under it (`hardware.opengl` -> `hardware.graphics`, from its `.enable`). */
function knownRename(name: string): (typeof KNOWN_RENAMES)[string] | undefined {
  if (KNOWN_RENAMES[name]) return KNOWN_RENAMES[name];
  for (const [from, r] of Object.entries(KNOWN_RENAMES)) {
    if (!from.startsWith(`${name}.`)) continue;
    const rest = from.slice(name.length);
    if (!r.to) return r;
    if (r.to.endsWith(rest)) return { ...r, to: r.to.slice(0, -rest.length) };
  }
  return undefined;
}

/** Every rename the text itself states (warnings printed next to the error), old name -> new name. */
function renamesIn(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/The option `([^']+)' defined in .*? has been renamed to `([^']+)'/g)) out.set(m[1]!, m[2]!);
  for (const m of text.matchAll(/Obsolete option `([^']+)' is used\. It was renamed to `([^']+)'/g)) out.set(m[1]!, m[2]!);
  return out;
}

// ---- the classifier --------------------------------------------------------------------------------

type Rule = (text: string, ctx: ExplainContext, loc: ErrorLocation | null) => ErrorExplanation | null;

function unfree(text: string, ctx: ExplainContext, loc: ErrorLocation | null, kind: 'unfree' | 'insecure'): ErrorExplanation | null {
  const re =
    kind === 'unfree'
      ? [/Package ‘([^’]+)’ in (\S+) has an unfree license \(‘([^’]*)’\), refusing to evaluate/, /Refusing to evaluate package '([^']+)' in (\S+) because it has an unfree license \(‘([^’]*)’\)/]
      : [/Package ‘([^’]+)’ in (\S+) is marked as insecure, refusing to evaluate/, /Refusing to evaluate package '([^']+)' in (\S+) because it is marked as insecure/];
  const m = re[0]!.exec(text) ?? re[1]!.exec(text);
  if (!m) return null;
  const full = m[1]!;
  // the remediation names the package as lib.getName does; else split the version off ourselves
  const name = /builtins\.elem \(lib\.getName pkg\) \[\s*"([^"]+)"/.exec(text)?.[1] ?? packageName(full);
  if (kind === 'insecure') {
    const issues = [...text.matchAll(/^\s*- (.+)$/gm)].map((x) => x[1]!.trim()).filter((x) => !x.startsWith('In `'));
    return withLocation(
      {
        code: 'insecure',
        title: `${name} is marked as insecure, so Nix will not build it`,
        explanation: `nixpkgs marks ${full} as having known security problems${issues.length ? ` (${issues.slice(0, 3).join('; ')})` : ''}. Use a newer version or another package if you can; if you must have this one, allow exactly this version.`,
        fixes: [
          {
            label: `Allow ${full} by name`,
            detail: ctx.tool === 'home-manager' ? 'In home.nix:' : 'In your NixOS configuration:',
            command: `nixpkgs.config.permittedInsecurePackages = [ "${full}" ];`,
          },
          ...openFix(loc),
        ],
      },
      loc,
    );
  }
  const license = m[3] ?? '';
  const fixes: Fix[] = [];
  const predicate = `nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "${name}" ];`;
  if (ctx.tool === 'home-manager') {
    fixes.push({
      label: 'Allow unfree packages in Home Manager',
      detail: 'Adds nixpkgs.config.allowUnfree = true; to home.nix. (When Home Manager runs as a NixOS module with useGlobalPkgs, set it in the system configuration instead.)',
      action: { kind: 'add-to-config', target: 'home', option: 'nixpkgs.config.allowUnfree', value: true },
    });
    fixes.push({ label: `Allow only ${name}`, detail: 'Instead, in home.nix:', command: predicate });
    fixes.push({ label: 'For nix-shell, nix-env and nix-build too', detail: 'They read ~/.config/nixpkgs/config.nix:', command: '{ allowUnfree = true; }' });
  } else if (ctx.tool === 'nixos-rebuild') {
    const flake = ctx.configKind === 'flake';
    fixes.push({
      label: 'Allow unfree packages',
      detail: flake
        ? 'Adds nixpkgs.config.allowUnfree = true; to configuration.nix, the NixOS module your flake’s nixosConfigurations imports. If your flake.nix builds its own pkgs (import nixpkgs { … }), set config.allowUnfree = true there instead.'
        : 'Adds nixpkgs.config.allowUnfree = true; to configuration.nix, with a preview and a backup.',
      action: { kind: 'add-to-config', target: 'system', option: 'nixpkgs.config.allowUnfree', value: true },
    });
    fixes.push({ label: `Allow only ${name}`, detail: 'Instead, in configuration.nix (needs lib among the arguments at its top):', command: predicate });
    if (flake) fixes.push({ label: 'If flake.nix imports nixpkgs itself', command: 'pkgs = import nixpkgs { inherit system; config.allowUnfree = true; };' });
  } else {
    fixes.push({ label: 'Allow unfree packages for nix-shell, nix-env and nix-build', detail: 'They read ~/.config/nixpkgs/config.nix:', command: '{ allowUnfree = true; }' });
    fixes.push({ label: 'Or for this one command', detail: 'With a flake (nix build, nix shell) add --impure so Nix reads the variable.', command: 'export NIXPKGS_ALLOW_UNFREE=1' });
  }
  fixes.push(...openFix(loc, 'Open'));
  return withLocation(
    {
      code: 'unfree',
      title: `${name} is not free software, and unfree packages are not allowed yet`,
      explanation: `${full} has an unfree license${license ? ` (${license})` : ''}. Nix refuses to build unfree packages until you allow them: once for all, or for ${name} only.`,
      fixes,
    },
    loc,
  );
}

const ARGUMENTS = new Set(['pkgs', 'lib', 'config', 'options', 'modulesPath', 'inputs', 'specialArgs']);

const undefinedVariable: Rule = (text, ctx, loc) => {
  const m = /undefined variable '([^']+)'/.exec(text);
  if (!m) return null;
  const name = m[1]!;
  if (ARGUMENTS.has(name)) {
    return withLocation(
      {
        code: 'undefined-variable',
        title: `This file uses ${name}, but does not take it as an argument`,
        explanation: `A NixOS or Home Manager file gets ${name} only when it names it in the arguments on its first line. Add ${name} there.`,
        fixes: [...openFix(loc), { label: `Take ${name} as an argument`, detail: 'The first line of the file, for example:', command: `{ config, pkgs, lib, ... }:` }],
      },
      loc,
    );
  }
  const suggestions = unique(ctx.closestNames?.(name) ?? []).filter((s) => s !== name).slice(0, 5);
  return withLocation(
    {
      code: 'undefined-variable',
      title: `Nix does not know “${name}”`,
      explanation: `“${name}” is used as a name, but nothing by that name is defined here: a typo, or a package whose exact name differs (names are case-sensitive).${suggestions.length ? ' The package list has names close to it.' : ' Search finds a package’s exact name.'} Outside “with pkgs; [ … ]” a package is written pkgs.<name>.`,
      fixes: [...openFix(loc, 'Fix it in'), ...(suggestions.length ? [] : [{ label: 'Find the package’s name', action: { kind: 'open-page', route: '#/search' } as FixAction }])],
      suggestions,
    },
    loc,
  );
};

const missingAttribute: Rule = (text, ctx, loc) => {
  const m = /attribute '([^']+)' missing/.exec(text) ?? /attribute '([^']+)' in selection path '([^']+)' not found/.exec(text);
  if (!m) return null;
  const name = m[1]!;
  const fromNix = /Did you mean (?:one of )?(.+?)\?/.exec(text)?.[1]?.split(/,\s*|\s+or\s+/).map((s) => s.trim()).filter(Boolean) ?? [];
  const suggestions = unique([...fromNix, ...(ctx.closestNames?.(name) ?? [])]).filter((s) => s !== name).slice(0, 5);
  return withLocation(
    {
      code: 'missing-attribute',
      title: `There is no “${name}” here`,
      explanation: `Nix looked for “${name}” in a set (such as pkgs) that has nothing by that name: a typo, a package renamed or removed in this release, or one that lives under another name.${suggestions.length ? ' Names close to it do exist.' : ''}`,
      fixes: [...openFix(loc, 'Fix it in'), ...(suggestions.length ? [] : [{ label: 'Find the package’s name', action: { kind: 'open-page', route: '#/search' } as FixAction }])],
      suggestions,
    },
    loc,
  );
};

const optionRemoved: Rule = (text, _ctx, loc) => {
  const m =
    /The option definition `([^']+)' in (?:`([^']+)'|\S+) no longer has any effect; please remove it\.\s*([^\n]*)/.exec(text) ??
    /The option `([^']+)' can no longer be used since it's been removed\.\s*()([^\n]*)/.exec(text);
  if (!m) return null;
  const instructions = m[3]?.trim();
  return withLocation(
    {
      code: 'option-removed',
      title: `The setting ${m[1]} was removed`,
      explanation: `This release no longer has ${m[1]}. Remove it from your configuration.${instructions ? ` Its note: ${instructions}` : ''}`,
      fixes: openFix(loc, 'Remove it in'),
    },
    loc,
  );
};

const optionMissing: Rule = (text, ctx, loc) => {
  const m = /The option `([^']+)' does not exist\./.exec(text);
  if (!m) return null;
  const name = m[1]!;
  const stated = renamesIn(text).get(name);
  const known = knownRename(name);
  const to = stated ?? known?.to ?? null;
  const fixes: Fix[] = [...openFix(loc, 'Fix it in')];
  if (to) {
    return withLocation(
      {
        code: 'option-renamed',
        title: `${name} is now called ${to}`,
        explanation: `${known?.since ? `Since ${known.since}, ` : ''}this setting has a new name. Write ${to} where you wrote ${name}; the value stays the same.`,
        fixes: [...fixes, { label: `Use the new name`, command: to }],
        suggestions: [to],
      },
      loc,
    );
  }
  if (known) {
    return withLocation({ code: 'option-removed', title: `The setting ${name} was removed`, explanation: `Since ${known.since} there is no ${name}. ${known.note ?? ''} Remove it from your configuration.`.trim(), fixes }, loc);
  }
  const suggestions = unique(ctx.closestOptions?.(name) ?? []).filter((s) => s !== name).slice(0, 5);
  const where = ctx.tool === 'home-manager' ? 'Home Manager' : 'NixOS';
  return withLocation(
    {
      code: 'option-missing',
      title: `${where} has no setting called ${name}`,
      explanation: `${name} is not an option of this ${where} release: a typo, a setting of another release (renamed or removed), or one of a module that is not imported.${suggestions.length ? ' Options with close names do exist.' : ''}`,
      fixes: [...fixes, { label: 'Search the options', action: { kind: 'open-page', route: '#/search' } }],
      suggestions,
    },
    loc,
  );
};

/** Renames stated as warnings (the build itself may have failed for another reason, or not at all). */
const optionRenamedWarning: Rule = (text, _ctx, loc) => {
  const renames = [...renamesIn(text)];
  if (!renames.length) return null;
  const [from, to] = renames[0]!;
  return withLocation(
    {
      code: 'option-renamed',
      title: `${from} is now called ${to}`,
      explanation: `The old name still works for now, with a warning; a later release drops it. Write ${to} where you wrote ${from}.${renames.length > 1 ? ` ${renames.length - 1} more renamed setting${renames.length > 2 ? 's' : ''}: ${renames.slice(1).map(([a, b]) => `${a} → ${b}`).join(', ')}.` : ''}`,
      fixes: [...openFix(loc, 'Rename it in'), { label: 'Use the new name', command: to }],
      suggestions: [to],
    },
    loc,
  );
};

const stateVersion: Rule = (text, ctx, loc) => {
  const bad = /A definition for option `(home\.stateVersion|system\.stateVersion)' is not of type `one of ([^']*)'/.exec(text);
  if (bad) {
    const known = [...bad[2]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
    const newest = known.at(-1);
    const value = /Definition values:\s*\n\s*- In `[^']+': "?([^"\n]+)"?/.exec(text)?.[1];
    return withLocation(
      {
        code: 'state-version',
        title: `${bad[1]} is set to a release this ${bad[1] === 'home.stateVersion' ? 'Home Manager' : 'NixOS'} does not know`,
        explanation: `${value ? `${bad[1]} = "${value}" is newer than the installed release knows` : `${bad[1]} names a release the installed one does not know`}${newest ? ` (its newest is ${newest})` : ''}. stateVersion is the release your files were first made with, not the one you run: set it back to the release you started with${newest ? `, at most "${newest}"` : ''}, or install the matching release.`,
        fixes: openFix(loc, 'Change it in'),
        ...(newest ? { suggestions: [newest] } : {}),
      },
      loc,
    );
  }
  const unset = /The option `(home\.stateVersion)' (?:is used but not defined|was accessed but has no value defined)/.exec(text) ?? /system\.stateVersion is not set, defaulting to (\S+?)\.?\s/.exec(text);
  if (unset) {
    const home = unset[1] === 'home.stateVersion';
    return withLocation(
      {
        code: 'state-version',
        title: home ? 'home.nix does not say which Home Manager release it was written for' : 'Your configuration does not set system.stateVersion',
        explanation: home
          ? 'Home Manager needs home.stateVersion: the release your home configuration was first made with. Set it once to the release you installed, and do not change it when you upgrade.'
          : `NixOS assumed ${unset[1]}. system.stateVersion is the release this machine was installed with; set it once and keep it when you upgrade.`,
        fixes: [...openFix(loc ?? (ctx.configFile ? { file: ctx.configFile, line: 1, column: 1 } : null), 'Add it in'), { label: home ? 'Add to home.nix' : 'Add to configuration.nix', command: home ? 'home.stateVersion = "24.11";' : 'system.stateVersion = "24.11";' }],
      },
      loc,
    );
  }
  return null;
};

const releaseMismatch: Rule = (text, _ctx, loc) => {
  const m = /You are using\s+Home Manager version (\S+) and\s+Nixpkgs version (\S+?)\.?\s/.exec(text);
  if (!m) return null;
  return withLocation(
    {
      code: 'release-mismatch',
      title: `Home Manager ${m[1]} is meant for Nixpkgs ${m[1]}, but builds with ${m[2]}`,
      explanation: 'Each Home Manager release follows one Nixpkgs release; mixing them can fail in confusing ways. Point your home-manager channel (or flake input) at the release that matches your Nixpkgs.',
      fixes: [{ label: 'Use the matching Home Manager release', command: `nix-channel --add https://github.com/nix-community/home-manager/archive/release-${m[2]}.tar.gz home-manager && nix-channel --update` }],
    },
    loc,
  );
};

const infiniteRecursion: Rule = (text, _ctx, loc) => {
  if (!/infinite recursion encountered/.test(text)) return null;
  return withLocation(
    {
      code: 'infinite-recursion',
      title: 'A value in your configuration depends on itself',
      explanation:
        'Nix went in a circle: to work out one value it needed that same value. Common causes: choosing imports from config or pkgs (imports are read before either exists), a setting defined from its own value (x = config.x ++ …), or a name in a let or rec { } that refers to itself.',
      fixes: [...openFix(loc, 'Look at'), { label: 'See the whole chain', detail: 'Build again with “Show the trace” to see every step Nix took.' }],
    },
    loc,
  );
};

const syntax: Rule = (text, _ctx, loc) => {
  const m = /syntax error, (unexpected [^\n]*)/.exec(text);
  if (!m) return null;
  const missingSemicolon = /expecting (?:[^\n]*?)';'/.test(m[1]!);
  const file = loc ? baseName(loc.file) : 'A file';
  return withLocation(
    {
      code: 'syntax',
      title: loc ? `${file} has a typing mistake on line ${loc.line}` : 'A file has a typing mistake',
      explanation: missingSemicolon
        ? 'Each setting ends with a semicolon (;). One is missing at the end of that line, so Nix read the next line as part of it.'
        : `Nix could not read the file (${m[1]}). Look for a missing ; } ] or " just before that spot.`,
      fixes: openFix(loc, 'Fix it in'),
    },
    loc,
  );
};

const untrackedFlakeFile: Rule = (text, ctx, loc) => {
  if (ctx.untracked) {
    const u = ctx.untracked;
    return withLocation(
      {
        code: 'untracked-flake-file',
        title: `${u.relative} is not known to git, so Nix cannot see it`,
        explanation: 'Your flake is a git repository, and Nix copies only the files git tracks. Tell git about the file (no commit needed), then build again.',
        fixes: [{ label: `git add ${u.relative}`, detail: `In ${u.repo}.`, command: `git -C ${u.repo} add ${u.relative}`, action: { kind: 'git-add', file: u.file, repo: u.repo } }, ...openFix(loc)],
      },
      loc,
    );
  }
  const missing = missingFlakePath(text);
  if (!missing || !/-source\//.test(missing) || ctx.configKind === 'channels') return null;
  const rel = missing.replace(/^\/nix\/store\/[0-9a-z]{32}-source\//, '');
  return withLocation(
    {
      code: 'untracked-flake-file',
      title: `Nix cannot see ${rel} in your flake`,
      explanation: 'A flake in a git repository is copied with only the files git tracks. If the file exists, git does not track it yet: add it (no commit needed), then build again.',
      fixes: [{ label: `git add ${rel}`, command: `git add ${rel}` }],
    },
    loc,
  );
};

const collision: Rule = (text, _ctx, loc) => {
  const m = /collision between (?:dangling symlink )?`([^']+)' and (?:dangling symlink )?`([^']+)'/.exec(text) ?? /There is a conflict for the following files:\s+"?([^\s"]+)"?\s+"?([^\s"]+)"?/.exec(text);
  if (!m) return null;
  const a = storeName(m[1]!);
  const b = storeName(m[2]!);
  const file = m[1]!.replace(/^\/nix\/store\/[^/]+/, '') || m[1]!;
  const pa = packageName(a);
  const pb = packageName(b);
  return withLocation(
    {
      code: 'collision',
      title: `${pa} and ${pb} both provide ${file}`,
      explanation: `Two packages in the same list (${a} and ${b}) contain a file at the same place, and Nix will not pick one for you. Often the same program is listed twice in two versions or variants.`,
      fixes: [
        { label: `Remove one of them`, detail: `Keep either ${pa} or ${pb} in your package list.` },
        { label: `Or let ${pa} win`, detail: 'Give it the higher priority:', command: `(lib.hiPrio pkgs.${pa})` },
        ...openFix(loc),
      ],
    },
    loc,
  );
};

const hashMismatch: Rule = (text, _ctx, loc) => {
  const m = /hash mismatch in fixed-output derivation '([^']+)':\s*specified:\s*(\S+)\s*got:\s*(\S+)/.exec(text);
  if (!m) return null;
  const what = storeName(m[1]!).replace(/\.drv$/, '');
  return withLocation(
    {
      code: 'hash-mismatch',
      title: `What was downloaded for ${what} does not match the hash written for it`,
      explanation: `A download is checked against the hash written next to it. It was ${m[3]}, but ${m[2]} is written. When you wrote or updated that hash yourself (or left a placeholder), put in the one Nix got. Otherwise the file changed upstream: check why before trusting it.`,
      fixes: [...openFix(loc, 'Change the hash in'), { label: 'The hash Nix got', command: m[3]! }],
    },
    loc,
  );
};

const diskFull: Rule = (text, ctx, loc) => {
  if (!/No space left on device|build failure may have been caused by lack of free disk space/.test(text)) return null;
  return withLocation(
    {
      code: 'disk-full',
      title: 'The disk is full',
      explanation: 'Nix needs room in /nix/store for what it builds and downloads. Old generations keep their packages on disk until they are deleted and the garbage is collected.',
      fixes: [
        ctx.tool === 'home-manager'
          ? { label: 'Remove old Home Manager generations', action: { kind: 'open-page', route: '#/system/cleanup' } }
          : { label: 'Clean up old generations', action: { kind: 'open-page', route: '#/system/cleanup' } },
        { label: 'Or in a terminal', command: 'sudo nix-collect-garbage --delete-older-than 14d' },
      ],
    },
    loc,
  );
};

const network: Rule = (text, _ctx, loc) => {
  const download = /unable to download '([^']+)': ([^\n]+)/.exec(text);
  const resolve = /Could not resolve host:? ([^\s)]+)|Couldn't resolve host name|Could not resolve hostname|Failed to connect to ([^\s]+)|Connection refused|Network is unreachable|Timeout was reached|cannot connect to socket/.exec(text);
  if (!download && !resolve) return null;
  let host = download?.[1] ?? resolve?.[1] ?? resolve?.[2] ?? '';
  try {
    host = new URL(host).host;
  } catch {
    /* not a URL: keep what was named */
  }
  const cache = /cache\.nixos\.org|substituter|narinfo/.test(text);
  return withLocation(
    {
      code: 'network',
      title: host ? `Nix could not reach ${host}` : 'Nix could not reach the network',
      explanation: `${cache ? 'Nix downloads ready-made packages from a binary cache instead of building them. ' : ''}The computer looks offline, or ${host || 'the server'} did not answer. Nothing was changed. Check the connection and try again.`,
      fixes: [{ label: 'Check the network, then try again' }, ...(cache ? [{ label: 'Build without the cache (slow)', detail: 'Only what is not in the store already is built from source.', command: '--option substitute false' }] : [])],
    },
    loc,
  );
};

const fileInTheWay: Rule = (text, _ctx, loc) => {
  const clobbered = parseClobbered(text.split('\n'));
  if (!clobbered.length) return null;
  const names = clobbered.map((c) => c.path);
  return withLocation(
    {
      code: 'file-in-the-way',
      title: clobbered.length === 1 ? `${names[0]} is in the way` : `${clobbered.length} files are in the way`,
      explanation: `Home Manager wants to put its own ${clobbered.length === 1 ? 'file' : 'files'} where ${clobbered.length === 1 ? 'one of yours already is' : `yours already are (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`}, and does not overwrite files it did not make. Move ${clobbered.length === 1 ? 'it' : 'them'} aside (the app keeps ${clobbered.length === 1 ? 'it' : 'them'} with a .backup ending), or remove ${clobbered.length === 1 ? 'it' : 'them'} yourself.`,
      fixes: [{ label: 'Retry with backup', action: { kind: 'retry-with-backup' } }, { label: 'Or in a terminal', command: 'home-manager switch -b backup' }],
    },
    loc,
  );
};

/** Most specific first: a flake file git misses reads like a missing path; a disk filling up fails a build that would read like any other. */
const RULES: Rule[] = [
  untrackedFlakeFile,
  fileInTheWay,
  diskFull,
  (t, c, l) => unfree(t, c, l, 'unfree'),
  (t, c, l) => unfree(t, c, l, 'insecure'),
  stateVersion,
  optionRemoved,
  optionMissing,
  infiniteRecursion,
  syntax,
  undefinedVariable,
  missingAttribute,
  hashMismatch,
  collision,
  network,
  optionRenamedWarning,
  releaseMismatch,
];

/**
 * What went wrong, in words, with the fixes, or null when the text is none of the failures above (the
 * app then shows Nix's own message as it is).
 */
export function explainNixError(rawText: string, ctx: ExplainContext): ErrorExplanation | null {
  const text = stripAnsi(rawText);
  const loc = ctx.location ?? positionIn(text);
  for (const rule of RULES) {
    const found = rule(text, ctx, loc);
    if (found) return found;
  }
  return null;
}
