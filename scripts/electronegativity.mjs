// Electronegativity over the Electron shell's sources: fails on any finding of MEDIUM severity or above
// (and on node integration at any severity).
//
// What is analysed: the TypeScript sources of the main process and preload (electron/**/*.ts, which
// Electronegativity parses with typescript-estree), the renderer's index.html (its CSP meta tag) and
// package.json (the Electron version, for the release checks). The sources are better than the bundle:
// findings point at our own lines, and the bundled libraries are not ours to annotate.
//
// Exceptions: Electronegativity's own inline comment, with a reason this script insists on:
//     somethingRisky(); // eng-disable OPEN_EXTERNAL_JS_CHECK -- links pass the https allow-list first
// An `eng-disable` without ` -- <reason>` is itself a failure.
//
// Usage: node scripts/electronegativity.mjs [--input <dir>] [--json]
//   --input  scan another app folder instead (the tests scan a deliberately bad sample this way)
//   --json   print the findings as one JSON line on stdout (for tests) besides the summary on stderr
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const inputArg = args.includes('--input') ? args[args.indexOf('--input') + 1] : undefined;
const asJson = args.includes('--json');

const SEVERITY_ORDER = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'];
const FAIL_AT = SEVERITY_ORDER.indexOf('MEDIUM');
/**
 * Electronegativity rates some findings INFORMATIONAL that must never pass here: it reports
 * `nodeIntegration: true` that way in some configurations. These fail at any severity.
 */
const FAIL_AT_ANY_SEVERITY = new Set(['NODE_INTEGRATION_JS_CHECK', 'NODE_INTEGRATION_HTML_CHECK', 'CONTEXT_ISOLATION_JS_CHECK']);
const fails = (f) => SEVERITY_ORDER.indexOf(f.severity) >= FAIL_AT || FAIL_AT_ANY_SEVERITY.has(f.id);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Copy what we analyse into a scratch folder laid out like the repo, so findings map back to real paths. */
function stageRepo() {
  const stage = mkdtempSync(path.join(os.tmpdir(), 'nc-eng-'));
  for (const file of walk(path.join(root, 'electron')).filter((f) => f.endsWith('.ts'))) {
    cpSync(file, path.join(stage, path.relative(root, file)));
  }
  cpSync(path.join(root, 'renderer/index.html'), path.join(stage, 'renderer/index.html'));
  cpSync(path.join(root, 'package.json'), path.join(stage, 'package.json'));
  return stage;
}

/** Every eng-disable annotation must say why. */
function annotationsWithoutReason(dir) {
  const bad = [];
  for (const file of walk(dir).filter((f) => /\.(ts|tsx|js|jsx|mjs|cjs|html)$/.test(f))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const m = /eng-disable\s+([\w\s,]+?)(?:\s+--\s+(.*?))?\s*(?:\*\/|-->)?\s*$/.exec(line);
        if (m && !(m[2] && m[2].trim().split(/\s+/).length >= 3)) bad.push({ file: path.relative(dir, file), line: i + 1, text: line.trim() });
      });
  }
  return bad;
}

async function main() {
  // The tool fetches translations for $LANG; English ships with it.
  process.env.LANG = 'en-US';
  const run = require('@doyensec/electronegativity');
  const input = inputArg ? path.resolve(inputArg) : stageRepo();
  if (!existsSync(input)) throw new Error(`nothing to scan at ${input}`);
  const origLog = console.log;
  const origWarn = console.warn;
  // It prints progress chatter about fetching releases; keep stdout for our one JSON line.
  console.log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
  let result;
  try {
    result = await run({ input, isRelative: true, parserPlugins: [] });
  } finally {
    console.log = origLog;
    console.warn = origWarn;
  }
  const findings = result.issues.map((i) => ({
    id: i.id,
    severity: i.severity.name,
    confidence: i.confidence.name,
    file: i.file,
    line: i.location?.line ?? 0,
    description: i.description,
    sample: i.sample,
  }));
  const failing = findings.filter(fails);
  const unexplained = annotationsWithoutReason(input);
  const parseErrors = result.errors.filter((e) => !e.tolerable);
  if (!inputArg) rmSync(input, { recursive: true, force: true });

  for (const f of findings) {
    const mark = fails(f) ? 'FAIL' : 'note';
    process.stderr.write(`${mark} ${f.severity}/${f.confidence} ${f.id} ${f.file}:${f.line}\n     ${String(f.description).split('\n')[0]}\n`);
  }
  for (const a of unexplained) process.stderr.write(`FAIL eng-disable without a reason (add " -- <why>") ${a.file}:${a.line}: ${a.text}\n`);
  for (const e of parseErrors) process.stderr.write(`FAIL could not parse ${e.file}: ${e.message}\n`);

  const ok = failing.length === 0 && unexplained.length === 0 && parseErrors.length === 0;
  const summary = `electronegativity: ${result.globalChecks + result.atomicChecks} checks, ${findings.length} findings, ${failing.length} of MEDIUM severity or above (or node integration), ${unexplained.length} exceptions without a reason, ${parseErrors.length} parse errors: ${ok ? 'OK' : 'FAILED'}`;
  process.stderr.write(`${summary}\n`);
  if (asJson) process.stdout.write(`${JSON.stringify({ ok, findings, unexplained, parseErrors: parseErrors.map((e) => ({ file: e.file, message: e.message })) })}\n`);
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(`electronegativity could not run: ${err?.stack ?? err}`);
  process.exit(2);
});
