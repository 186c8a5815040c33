import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What runs as root is electron/helper/ plus electron/core/ plus shared/ (and two leaf modules that
 * import nothing of the app: the error type and the host description). This walks the import statements
 * of every file reachable from the helper's entry point and fails when the helper could pull in a service
 * (app code that was never written to run as root) or Electron.
 */
const root = path.resolve(__dirname, '../..');
const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');

const ALLOWED = [/^electron\/helper\//, /^electron\/core\//, /^shared\//, /^electron\/errors\.ts$/, /^electron\/host\.ts$/];
const SPECIFIER = /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s+['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

function resolveLocal(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && !readdirSafe(candidate)) return candidate;
  }
  throw new Error(`${rel(from)} imports ${spec}, which does not exist`);
}

const readdirSafe = (p: string) => {
  try {
    readdirSync(p);
    return true;
  } catch {
    return false;
  }
};

/** Every file reachable from `entry`, and every package it names. */
function walk(entries: string[]): { files: Map<string, string[]>; packages: Map<string, string[]> } {
  const files = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  const queue = entries.map((file) => ({ file, via: [rel(file)] }));
  while (queue.length) {
    const { file, via } = queue.shift()!;
    if (files.has(rel(file))) continue;
    files.set(rel(file), via);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        queue.push({ file: target, via: [...via, rel(target)] });
      } else if (!packages.has(spec)) packages.set(spec, [...via, spec]);
    }
  }
  return { files, packages };
}

describe('what runs as root', () => {
  it('reads import statements of every kind (so the walk below cannot miss one)', () => {
    const sample = path.join(root, 'tests/unit/helper-import-graph.test.ts');
    expect(importsOf(sample)).toEqual(expect.arrayContaining(['node:fs', 'node:path', 'vitest']));
    const probe = `import a from './a';\nimport { b } from "./b";\nimport type { C } from './c';\nexport { d } from './d';\nexport * from './e';\nimport './f';\nconst g = await import('./g');\n// import { h } from './h';\n/* import { i } from './i'; */\nimport {\n  j,\n} from './j';`;
    const text = probe.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    expect([...text.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3])).toEqual(['./a', './b', './c', './d', './e', './f', './g', './j']);
  });

  it('the helper reaches no service, no Electron, nothing outside helper/, core/ and shared/', () => {
    const { files, packages } = walk([path.join(root, 'electron/helper/main.ts')]);
    expect(files.size).toBeGreaterThan(10);
    expect(files.has('electron/helper/operations/index.ts')).toBe(true);
    const outside = [...files].filter(([file]) => !ALLOWED.some((re) => re.test(file))).map(([, via]) => via.join(' -> '));
    expect(outside).toEqual([]);
    const electron = [...packages].filter(([name]) => name === 'electron' || name.startsWith('electron/')).map(([, via]) => via.join(' -> '));
    expect(electron).toEqual([]);
  });

  it('core imports neither services nor the helper nor Electron', () => {
    const coreDir = path.join(root, 'electron/core');
    const { files, packages } = walk(readdirSync(coreDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(coreDir, f)));
    const bad = [...files].filter(([file]) => /^electron\/(services|helper|rpc|shell|exec)\//.test(file) || file === 'electron/main.ts' || file === 'electron/app.ts').map(([, via]) => via.join(' -> '));
    expect(bad).toEqual([]);
    expect([...packages.keys()].filter((name) => name === 'electron')).toEqual([]);
  });
});
