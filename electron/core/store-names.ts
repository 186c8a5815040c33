/**
 * How Nix itself splits store path names into a package name and a version, and orders versions.
 * Ported rule for rule from Nix (src/libstore/names.cc: DrvName, compareVersions; src/nix/diff-closures.cc:
 * the output-name strip) so that our diffs agree with `nix store diff-closures` on every name.
 */

const STORE_NAME = /^[0-9a-z]{32}-(.+)$/;
/** diff-closures strips a trailing output name, Nix's /^(.*)-([a-z]+|lib32|lib64)$/; ambiguous by design ("-bin" vs a version suffix like "-unstable") */
const OUTPUT_NAME = /^(?:[a-z]+|lib32|lib64)$/;

const isAsciiAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAsciiDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

const isHashChar = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 122);

/** `/nix/store/<hash>-foo-1.2` -> `foo-1.2` (the part after the hash), or the base name when it has no hash. */
export function storePathName(storePath: string): string {
  const base = storePath.slice(storePath.lastIndexOf('/') + 1);
  // STORE_NAME by hand: thousands of paths per diff
  if (base.length < 34 || base.charCodeAt(32) !== 45) return base;
  for (let i = 0; i < 32; i++) if (!isHashChar(base.charCodeAt(i))) return STORE_NAME.exec(base)?.[1] ?? base;
  return base.slice(33);
}

/** `/nix/store/<hash>-hello-2.12.drv` -> `hello-2.12`: a derivation's name, as Nix's messages name a package. */
export function derivationName(drvPath: string): string {
  const name = storePathName(drvPath);
  return name.endsWith('.drv') ? name.slice(0, -4) : name;
}

/** Nix's DrvName: the name ends at the first dash that is not followed by a letter; the rest is the version. */
export function parseDrvName(s: string): { name: string; version: string } {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '-' && i + 1 < s.length && !isAsciiAlpha(s[i + 1])) {
      return { name: s.slice(0, i), version: s.slice(i + 1) };
    }
  }
  return { name: s, version: '' };
}

/** How diff-closures groups a store path: output name stripped, then DrvName. */
export function closureEntryName(storePath: string): { name: string; version: string; output: string } {
  const full = storePathName(storePath);
  // that regex by hand: only the last dash can start a suffix of letters (or lib32/lib64)
  const dash = full.lastIndexOf('-');
  const output = dash >= 0 ? full.slice(dash + 1) : '';
  const stripped = dash >= 0 && OUTPUT_NAME.test(output);
  const { name, version } = parseDrvName(stripped ? full.slice(0, dash) : full);
  return { name, version, output: stripped ? output : '' };
}

function nextComponent(s: string, start: number): [component: string, next: number] {
  let p = start;
  while (p < s.length && (s[p] === '.' || s[p] === '-')) p++;
  if (p >= s.length) return ['', p];
  const from = p;
  if (isAsciiDigit(s[p])) {
    while (p < s.length && isAsciiDigit(s[p])) p++;
  } else {
    while (p < s.length && !isAsciiDigit(s[p]) && s[p] !== '.' && s[p] !== '-') p++;
  }
  return [s.slice(from, p), p];
}

const INT_MAX = 2 ** 31 - 1;
/** string2Int<int>: digits only, and it must fit an int (longer digit runs compare as text, as in Nix). */
function asInt(c: string): number | null {
  if (!/^\d+$/.test(c)) return null;
  const n = Number(c);
  return n <= INT_MAX ? n : null;
}

function componentsLT(c1: string, c2: string): boolean {
  const n1 = asInt(c1);
  const n2 = asInt(c2);
  if (n1 !== null && n2 !== null) return n1 < n2;
  if (c1 === '' && n2 !== null) return true;
  if (c1 === 'pre' && c2 !== 'pre') return true;
  if (c2 === 'pre') return false;
  // Nix assumes "2.3a" < "2.3.1"
  if (n2 !== null) return true;
  if (n1 !== null) return false;
  return c1 < c2;
}

/** Nix's compareVersions: -1, 0 or 1. */
export function compareVersions(v1: string, v2: string): number {
  let p1 = 0;
  let p2 = 0;
  while (p1 < v1.length || p2 < v2.length) {
    let c1: string;
    let c2: string;
    [c1, p1] = nextComponent(v1, p1);
    [c2, p2] = nextComponent(v2, p2);
    if (componentsLT(c1, c2)) return -1;
    if (componentsLT(c2, c1)) return 1;
  }
  return 0;
}

/** Sort in byte order, checking for surrogate pairs once instead of in every comparison. */
export function sortByteOrder(strings: string[]): string[] {
  const slow = strings.some((s) => /[\ud800-\udfff]/.test(s));
  return strings.sort(slow ? byteOrder : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Byte-order comparison, the order of std::set<std::string> and std::map keys in Nix's output. */
export function byteOrder(a: string, b: string): number {
  // UTF-16 order equals UTF-8 byte order except around surrogate pairs; only those need the slow path.
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
