// Builds NixOS-shaped system closures with real nix (2.8, single-user, no sandbox) for the system
// benchmark and the diff tests: toplevels with nixos-version, kernel (+ lib/modules), sw/ (a
// system-path whose references are the requested packages, with bin/nixos-version as nixpkgs
// substitutes it), specialisation/, over a package graph of real nixpkgs attribute names.
// Packages are text files made with builtins.toFile (they may reference each other), so thousands
// cost seconds, not a build each; toplevels, system-paths and kernels are real derivations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lutimesSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ensureModernNix, nixEnvFor, sharedData } from '../support/nix.mjs';

/** The test Nix environment (tests/support/nix.mjs) with the nix first on PATH, two build jobs. */
export const nixEnv = nixEnvFor(ensureModernNix(), ['max-jobs = 2']);

/** Real package names: plain attribute names from nixpkgs (no dots), deterministic order. */
export function packageNames(count) {
  let names = [];
  const candidates = [sharedData('nixpkgs-attr-names-unstable-2025-02.txt.br')];
  const file = candidates.find((f) => existsSync(f));
  if (file) {
    names = zlib
      .brotliDecompressSync(readFileSync(file))
      .toString('utf8')
      .split('\n')
      .filter((n) => /^[a-z][a-zA-Z0-9_-]*$/.test(n) && !/-\d/.test(n) && !/-(?:[a-z]+|lib32|lib64)$/.test(n));
  }
  const out = [];
  const step = Math.max(1, Math.floor(names.length / count));
  for (let i = 0; out.length < count && i < names.length; i += step) out.push(names[i]);
  for (let i = out.length; out.length < count; i++) out.push(`pkg${i}`);
  return out;
}

const nixString = (s) => JSON.stringify(s).replace(/\$\{/g, '\\${');

/**
 * A Nix expression for `variants` systems over one package universe. variant v changes the versions
 * of a deterministic slice of packages, drops some, adds some, so diffs have every kind of change.
 */
export function systemsExpression({ packages = 2000, variants = 2, generations = variants, requested = 120, host = 'benchhost' } = {}) {
  const names = packageNames(packages + 40);
  const base = names.slice(0, packages);
  const extra = names.slice(packages);
  const lines = [];
  lines.push('let');
  lines.push('  sh = "/bin/sh";');
  lines.push('  pad = n: builtins.concatStringsSep "" (builtins.genList (_: "0123456789abcdef") n);');
  lines.push('  pkg = name: deps: size: builtins.toFile name ("${name}\\n${builtins.concatStringsSep "\\n" deps}\\n${pad size}");');
  lines.push('  kernel = v: derivation { name = "linux-${v}"; system = builtins.currentSystem; builder = sh; PATH = "/usr/bin:/bin"; args = [ "-c" "mkdir -p $out/lib/modules/${v} && echo kernel > $out/bzImage" ]; };');
  lines.push(`  versionScript = ver: rev: builtins.toFile "nixos-version" ''
    #! /bin/bash
    case "$1" in
      --configuration-revision)
        if [[ "\${rev}" =~ "@" ]]; then
          echo "$0: configuration revision is unknown" >&2
          exit 1
        fi
        echo "\${rev}"
        ;;
      *)
        echo "\${ver} (Bench)"
        ;;
    esac
  '';`);
  lines.push('  systemPath = ver: pkgs: derivation { name = "system-path"; system = builtins.currentSystem; builder = sh; PATH = "/usr/bin:/bin"; inherit pkgs; script = versionScript ver (if builtins.substring 0 9 ver == "24.11.1.b" then "c0ffee1234" else "@" + "configurationRevision@"); args = [ "-c" "mkdir -p $out/bin && for p in $pkgs; do echo $p >> $out/packages; done && cp $script $out/bin/nixos-version && chmod +x $out/bin/nixos-version" ]; };');
  lines.push('  toplevel = { ver, sw, k, deps, specs ? [] }: derivation { name = "nixos-system-' + host + '-${ver}"; system = builtins.currentSystem; builder = sh; PATH = "/usr/bin:/bin"; inherit sw ver deps; kernel = k; specs = map (s: s.name) specs; specPaths = map (s: s.path) specs; args = [ "-c" "mkdir -p $out/specialisation && echo -n $ver > $out/nixos-version && ln -s $kernel/bzImage $out/kernel && ln -s $kernel $out/kernel-modules && ln -s $sw $out/sw && for d in $deps; do echo $d >> $out/dependencies; done && set -- $specPaths; for s in $specs; do ln -s $1 $out/specialisation/$s; shift; done" ]; };');
  // package universe per variant
  for (let v = 0; v < variants; v++) {
    lines.push(`  p${v} = rec {`);
    const present = [];
    base.forEach((name, i) => {
      if (v > 0 && i % 97 === v % 97 && i > 10) return; // dropped in this variant
      const changed = v > 0 && i % 23 === v % 23; // upgraded (or, every 4th, downgraded)
      const down = changed && i % 4 === 0;
      const major = 1 + (i % 5);
      const minor = changed ? (down ? 0 : v + 1) : 1;
      const deps = [];
      for (const d of [i - 1, i - 7, i - 31]) if (d >= 0 && !(v > 0 && d % 97 === v % 97 && d > 10)) deps.push(`"\${a${d}}"`);
      const size = (1 + ((i * 37 + (changed ? v * 13 : 0)) % 64)) * (i % 10 === 0 ? 40 : 1);
      lines.push(`    a${i} = pkg ${nixString(`${name}-${major}.${minor}.${i % 10}`)} [ ${deps.join(' ')} ] ${size};`);
      present.push(i);
    });
    for (let j = 0; j < v && j < extra.length; j++) lines.push(`    x${j} = pkg ${nixString(`${extra[j]}-0.${v}`)} [ "\${a0}" ] 2;`);
    lines.push(`    requested = [ ${present.filter((i, k) => k % Math.max(1, Math.floor(present.length / requested)) === 0).map((i) => `a${i}`).join(' ')} ${Array.from({ length: Math.min(v, extra.length) }, (_, j) => `x${j}`).join(' ')} ];`);
    // a version-less path whose size moves by more than 8 KiB between variants: a size-only change
    lines.push(`    etc = pkg "etc" [ ] ${200 + v * 700};`);
    lines.push(`    all = [ (pkg "system-units" [ ${['etc', ...present.map((i) => `a${i}`)].map((a) => `"\${${a}}"`).join(' ')} ] 4) ];`);
    lines.push('  };');
  }
  lines.push('  kernels = [ (kernel "6.6.1") (kernel "6.6.9") (kernel "6.12.3") ];');
  lines.push('  sws = [');
  for (let v = 0; v < variants; v++) lines.push(`    { sw = systemPath "24.11.${v}.bench" p${v}.requested; deps = p${v}.all; }`);
  lines.push('  ];');
  lines.push('  gens = builtins.genList (g: let v = g - (g / ' + variants + ') * ' + variants + '; sys = builtins.elemAt sws v; sw = sys.sw; deps = sys.deps; k = builtins.elemAt kernels (if v == 0 then 0 else (if g - (g / 5) * 5 == 0 then 2 else 1)); in toplevel { ver = "24.11.${toString g}.bench"; inherit sw k deps; specs = if g - (g / 3) * 3 == 0 then [ { name = "no-gui"; path = toplevel { ver = "24.11.${toString g}.bench-spec"; inherit sw k deps; }; } ] else []; }) ' + generations + ';');
  lines.push('in { inherit gens; roots = derivation { name = "bench-roots"; system = builtins.currentSystem; builder = sh; PATH = "/usr/bin:/bin"; inherit gens; args = [ "-c" "for g in $gens; do echo $g; done > $out" ]; }; }');
  return lines.join('\n');
}

/** Build the systems and return the toplevel store paths, generation order. */
export function buildSystems(workDir, opts) {
  mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, 'systems.nix');
  writeFileSync(file, systemsExpression(opts));
  // One root keeps every toplevel alive through a garbage collection.
  execFileSync('nix-build', [file, '-A', 'roots', '-o', path.join(workDir, 'roots')], { env: nixEnv, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  return readFileSync(path.join(workDir, 'roots'), 'utf8').trim().split('\n');
}

/**
 * A system profile laid out exactly as nix-env makes one (system -> system-N-link -> store path),
 * with link dates spread one day apart ending now. Made with symlinks directly, because 1,000
 * `nix-env --set` calls would take minutes; nix-env reads it as its own.
 */
export function writeProfile(profileDir, toplevels, { count = toplevels.length, currentIndex = count - 1 } = {}) {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  const now = Date.now() / 1000;
  for (let i = 0; i < count; i++) {
    const link = path.join(profileDir, `system-${i + 1}-link`);
    // more generations than distinct systems: cycle through them, as rebuilding back and forth does
    symlinkSync(toplevels[i % toplevels.length], link);
    const when = now - (count - i) * 3600;
    lutimesSync(link, when, when);
  }
  symlinkSync(`system-${currentIndex + 1}-link`, path.join(profileDir, 'system'));
  return path.join(profileDir, 'system');
}

export function profileLinkCount(profileDir) {
  return readdirSync(profileDir).filter((n) => /^system-\d+-link$/.test(n)).length;
}
