import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { sha256, sha256File } from '../../electron/core/hash';
import { RateMeter, byteProgress, every } from '../../electron/core/meter';
import { nixParse, nixString } from '../../electron/core/nix';
import { CommandRunner } from '../../electron/core/process';
import { readIfExists, writeFileAtomic } from '../../electron/core/fs';
import { stripAnsi } from '../../electron/core/text';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'core-'));

describe('nixString', () => {
  // what real Nix reads back from the literal: evaluated by nix-instantiate, printed as JSON
  const tricky = ['plain', 'a "quoted" word', 'back\\slash\\', '${builtins.currentSystem}', '$${x}', 'ends with $', '$', '\\${x}', 'line one\nline two', 'crlf\r\nlf', 'lone\rcr', 'tab\there', "''indented''", 'ünïcødé ✓', '#not a comment', ''];

  it.each(tricky)('the Nix literal of %j evaluates to the same text', (s) => {
    const out = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', nixString(s)], { encoding: 'utf8' });
    expect(JSON.parse(out)).toBe(s);
  });
});

describe('nixParse', () => {
  const runner = new CommandRunner({ commands: {} as never });

  it('null for a text or file that parses; the exit code and Nix\'s own words with the position when not', async () => {
    expect(await nixParse(runner, { text: '{ a = 1; }' })).toBeNull();
    const bad = await nixParse(runner, { text: '{ a = 1 }' });
    expect(bad?.exitCode).toBe(1);
    expect(bad?.stderr.join('\n')).toMatch(/syntax error[\s\S]*1:9/);
    const file = path.join(tempDir(), 'x.nix');
    writeFileSync(file, 'let in');
    expect((await nixParse(runner, { file }))?.stderr.join('\n')).toContain(file);
    const json = await nixParse(runner, { text: '{ a = 1 }' }, { internalJson: true });
    const entry = JSON.parse(json!.stderr.find((l) => l.startsWith('@nix '))!.slice(5)) as { line: number; column: number };
    expect([entry.line, entry.column]).toEqual([1, 9]);
  });

  it('says in words when there is no Nix', async () => {
    const none = new CommandRunner({ commands: { 'nix-instantiate': '/nonexistent/nix-instantiate' } as never });
    await expect(nixParse(none, { text: '1' })).rejects.toMatchObject({ code: 'command-missing' });
  });
});

describe('hashes', () => {
  it('sha256 of text and of a streamed file agree with node:crypto', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    const data = Buffer.alloc(9 * 1024 * 1024 + 7, 0x5a);
    writeFileSync(file, data);
    const seen: number[] = [];
    const got = await sha256File(file, { onBytes: (n) => seen.push(n) });
    expect(got).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length });
    expect(seen.at(-1)).toBe(data.length);
    expect(seen.length).toBe(3);
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('a cancelled hash stops with "Cancelled."', async () => {
    const file = path.join(tempDir(), 'f');
    writeFileSync(file, 'x');
    const c = new AbortController();
    c.abort();
    await expect(sha256File(file, { signal: c.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('RateMeter', () => {
  it('measures over the recent window, so a stall shows, and gives the time left', () => {
    let t = 0;
    const meter = new RateMeter(100e6, { now: () => t, windowMs: 3000 });
    for (let s = 1; s <= 5; s++) {
      t = s * 1000;
      meter.sample(s * 10e6);
    }
    t = 5000;
    expect(meter.sample(50e6).bytesPerSecond).toBeCloseTo(10e6, -3);
    // nothing moves for 3 more seconds: the rate falls, the overall average would not
    t = 8000;
    const stalled = meter.sample(50e6);
    expect(stalled.bytesPerSecond).toBeLessThan(5e6);
    t = 9000;
    const r = meter.sample(60e6);
    expect(r.etaSeconds).toBeCloseTo(40e6 / r.bytesPerSecond, 5);
  });

  it('has no time left to tell without a total or before anything moved', () => {
    let t = 0;
    expect(new RateMeter(null, { now: () => t }).sample(0).etaSeconds).toBeUndefined();
    const m = new RateMeter(10, { now: () => t });
    t = 1000;
    expect(m.sample(0)).toEqual({ bytesPerSecond: 0, etaSeconds: undefined });
  });

  it('every() opens at most once per interval unless forced', () => {
    let t = 0;
    const due = every(150, () => t);
    expect(due()).toBe(true);
    t = 100;
    expect(due()).toBe(false);
    expect(due(true)).toBe(true);
    t = 260;
    expect(due()).toBe(true);
  });

  it('byteProgress leaves out what it does not know', () => {
    expect(byteProgress(5, null, { bytesPerSecond: 1, etaSeconds: undefined })).toEqual({ fraction: null, bytesDone: 5, bytesPerSecond: 1 });
    expect(byteProgress(5, 10, { bytesPerSecond: 1, etaSeconds: 5 }, 'copy')).toEqual({ fraction: 0.5, bytesDone: 5, bytesTotal: 10, bytesPerSecond: 1, etaSeconds: 5, message: 'copy' });
  });
});

describe('files', () => {
  it('readIfExists: null for a missing file, the error for one it may not read', async () => {
    const dir = tempDir();
    expect(await readIfExists(path.join(dir, 'missing'))).toBeNull();
    expect(await readIfExists(path.join(dir, 'missing/below'))).toBeNull();
    const secret = path.join(dir, 'secret');
    writeFileSync(secret, 'x');
    chmodSync(dir, 0o700);
    expect(await readIfExists(secret)).toBe('x');
    // root reads anything: a folder stands in for an unreadable file (EISDIR is not "absent" either)
    await expect(readIfExists(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('readIfExists refuses a file it may not read, in words, instead of taking it for absent', async () => {
    const dir = tempDir();
    const secret = path.join(dir, 'secret');
    writeFileSync(secret, 'x');
    chmodSync(secret, 0o600);
    chmodSync(dir, 0o755);
    // root reads anything: the check runs as nobody, on this very module bundled
    const bundle = path.join(dir, 'fs.mjs');
    await build({ entryPoints: [path.resolve(__dirname, '../../electron/core/fs.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    chmodSync(bundle, 0o644);
    const script = `import { readIfExists } from ${JSON.stringify(bundle)}; readIfExists(${JSON.stringify(secret)}).then((t) => console.log('read', t), (e) => console.log(e.code, e.message));`;
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const out = execFileSync(asNobody[0]!, [...asNobody.slice(1), '--input-type=module', '-e', script], { encoding: 'utf8', cwd: dir });
    expect(out.trim()).toBe(`not-authorized ${secret} is there, but your account may not read it.`);
  });

  it('writeFileAtomic replaces the file whole and leaves no temporary file, also when it fails', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'sub', 'settings.json');
    await writeFileAtomic(file, 'one', { mkdir: true, durable: true, mode: 0o600 });
    await writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(path.dirname(file))).toEqual(['settings.json']);
    await expect(writeFileAtomic(path.join(dir, 'sub', 'settings.json', 'x'), 'three')).rejects.toThrow();
    expect(readdirSync(path.dirname(file))).toEqual(['settings.json']);
  });
});

describe('stripAnsi', () => {
  it('takes out colour codes and leaves the words', () => {
    expect(stripAnsi('\u001b[31;1merror:\u001b[0m attribute \u001b[35m‘x’\u001b[0m missing')).toBe('error: attribute ‘x’ missing');
    expect(stripAnsi('plain')).toBe('plain');
  });
});
