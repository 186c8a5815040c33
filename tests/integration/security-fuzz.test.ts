import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helperContract } from '../../electron/helper/contract';
import * as protocol from '../../electron/helper/protocol';
import { loadHost } from '../../electron/host';
import { methods } from '../../shared/contract';
import { tempDir } from '../helpers/app';
import { deadUrl } from '../helpers/release-server';
import { startServe, type Served } from '../e2e/serve';

/**
 * Malformed calls, many thousands, against the real app as `npm run serve` runs it and against the real root
 * helper bundle. Every command the app or the helper could start (the helper itself included) is a
 * recording stand-in, so "nothing ran" is a file that stays empty. Every call here must be refused: each
 * mutated params object is checked against the contract before it is sent, and sent only when the contract
 * rejects it. A failure names the seed; FUZZ_SEED=<seed> replays it.
 */

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RPC_CALLS = 9_200;
const root = path.resolve(import.meta.dirname, '../..');
/** the helper as built for this run, copied once: other test runs in the same checkout may rebuild dist/ meanwhile */
let helperBundle: string;

function mulberry32(a: number) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = mulberry32(seed);
const int = (n: number) => Math.floor(rng() * n);
const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)]!;

/** Words a person can read: letters, at least two words, and no stack frame or source position. */
function isWords(message: unknown): boolean {
  return typeof message === 'string' && /[A-Za-z]{2,}\W+[A-Za-z]{2,}/.test(message) && !hasStack(message);
}
function hasStack(text: string): boolean {
  return /(^|\n)\s+at \S/.test(text) || /\((?:file:\/\/)?\/[^)]*\.(?:m?js|ts):\d+:\d+\)/.test(text);
}

// ---------------------------------------------------------------------------------------------
// mutations

const hostileStrings = [
  '', ' ', '../../../../etc/passwd', '..%2F..%2F..%2Fetc%2Fpasswd', '/etc/shadow', '..\\..\\..\\windows\\system32', '/dev/sda', '/dev/../dev/sda',
  '$(touch /tmp/nc-fuzz-pwned)', '`id`', '; rm -rf / #', '| cat /etc/passwd', '&& reboot', '\'"\\', 'a\0b', '\0', '%00', '${IFS}cat${IFS}/etc/passwd',
  '--help', '-rf', '--option', '\r\n\r\nHTTP/1.1 200 OK', 'file:///etc/passwd', 'javascript:alert(1)', 'http://169.254.169.254/latest', 'https://user:pw@evil.example/',
  '<script>alert(1)</script>', '{{7*7}}', '__proto__', 'constructor', 'prototype', 'nixos-24.11; reboot', 'nixos-24.11\nreboot', '\u202e\uffff', '\ud800',
  '😀'.repeat(50), 'A'.repeat(513), '*', '?', '~', '~root/.ssh/authorized_keys', 'nixos-unstable\0', ' nixos-unstable', 'NIXOS-UNSTABLE',
];
const hostileNumbers = [-1, 0, -0, 0.5, 1.5, -(2 ** 31), 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 5e-324, NaN, Infinity, -Infinity];
const pollution = () =>
  JSON.parse(pick([
    '{"__proto__":{"polluted":"yes","isAdmin":true}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"__proto__":null}',
    '{"prototype":{"polluted":"yes"}}',
    '{"toString":"x","valueOf":1,"hasOwnProperty":"no"}',
  ])) as Record<string, unknown>;

function randomText(len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(rng() < 0.8 ? 32 + int(95) : int(0x3000));
  return s;
}

function junk(depth = 0): unknown {
  const r = rng();
  if (r < 0.3) return pick(hostileStrings);
  if (r < 0.45) return pick(hostileNumbers);
  if (r < 0.5) return pick([true, false, null]);
  if (r < 0.58) return randomText(1 + int(60));
  if (r < 0.6) return 'x'.repeat(10_000 + int(400_000)); // huge
  if (r < 0.64) return pollution();
  if (r < 0.66) return deepArray(200 + int(800));
  if (r < 0.68) return new Array(5_000 + int(20_000)).fill(0);
  if (r < 0.84 && depth < 3) return Array.from({ length: int(4) }, () => junk(depth + 1));
  if (depth < 3) return Object.fromEntries(Array.from({ length: 1 + int(3) }, () => [pick(['a', 'path', 'device', 'url', '__proto__', 'constructor', randomText(8)]), junk(depth + 1)]));
  return pick(hostileStrings);
}

function deepArray(n: number): unknown {
  return JSON.parse('['.repeat(n) + ']'.repeat(n));
}

type MethodName = keyof typeof methods;
const methodNames = Object.keys(methods) as MethodName[];
function shapeKeys(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; options?: unknown[] };
  if (s.shape) return Object.keys(s.shape);
  if (Array.isArray(s.options)) return [...new Set(s.options.flatMap(shapeKeys))];
  return [];
}

/** A params value for this method that the contract rejects (or null when 20 tries found none). */
function mutatedParams(keys: string[], accepts: (params: unknown) => boolean): unknown {
  for (let attempt = 0; attempt < 20; attempt++) {
    let params: unknown;
    const kind = int(6);
    if (kind === 0) params = pick<unknown>(['a string', 42, -1, true, [], [1, 2], deepArray(50), 'x'.repeat(100_000)]);
    else if (kind === 5 && keys.length === 0) params = pollution();
    else {
      const obj: Record<string, unknown> = kind === 4 ? pollution() : {};
      for (const k of keys) if (rng() < (kind === 1 ? 1 : 0.6)) obj[k] = junk();
      if (kind === 2 || keys.length === 0 || rng() < 0.2) obj[pick(['extra', '__proto__', 'constructor', 'shell', keys[0] ? `${keys[0]} ` : 'x'])] = junk();
      if (kind === 3 && keys.length) obj[keys[int(keys.length)]!.toUpperCase()] = junk();
      params = obj;
    }
    // what the server will see: the JSON round trip (NaN -> null, __proto__ as an own key)
    const wire = JSON.parse(JSON.stringify({ params }) ?? '{}') as { params?: unknown };
    if (!accepts(wire.params ?? {})) return params;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// the world: a host whose every path is in a temp folder and every command a recorder

let served: Served;
let dir: string;
let hostFile: string;
let recordFile: string;
const recorded = () => readFileSync(recordFile, 'utf8');
const counts = { rpc: 0, http: 0, raw: 0, helper: 0 };
/** what went wrong, one example per kind of call (so one flaw does not hide the others) */
let problems: string[] = [];
const problemKinds = new Set<string>();
const problem = (what: string) => {
  const kind = what.split(/[ :]/, 1)[0]!;
  if (problemKinds.has(kind) && problems.length >= 5) return;
  problemKinds.add(kind);
  if (problems.length < 40) problems.push(what.slice(0, 400));
};
const resetProblems = () => {
  problems = [];
  problemKinds.clear();
};

beforeAll(async () => {
  console.log(`security fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})`);
  dir = tempDir('nc-fuzz-');
  recordFile = path.join(dir, 'executed.log');
  writeFileSync(recordFile, '');
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const recorder = path.join(bin, 'record');
  writeFileSync(recorder, `#!/bin/sh\nprintf '%s %s\\n' "$(basename "$0")" "$*" >> '${recordFile}'\n`);
  chmodSync(recorder, 0o755);
  const commands: Record<string, string> = {};
  for (const name of [...Object.keys(loadHost({ HOME: dir, USER: 'alice' }).commands), 'helper']) {
    symlinkSync(recorder, path.join(bin, name));
    commands[name] = path.join(bin, name);
  }
  const helper = commands.helper!;
  delete commands.helper;
  const p = (...parts: string[]) => path.join(dir, ...parts);
  for (const d of ['etc/nixos', 'home/alice', 'state', 'cache', 'config', 'run', 'nix/store', 'nix/var/nix/profiles/per-user/root']) mkdirSync(p(d), { recursive: true });
  writeFileSync(p('etc/nixos/configuration.nix'), '{ ... }: { }\n');
  helperBundle = p('helper.mjs');
  copyFileSync(path.join(root, 'dist/helper/helper.mjs'), helperBundle);
  expect(statSync(helperBundle).size).toBeGreaterThan(10_000);
  const nowhere = await deadUrl();
  hostFile = p('host.json');
  writeFileSync(
    hostFile,
    JSON.stringify({
      systemProfile: p('nix/var/nix/profiles/system'),
      currentSystem: p('run/current-system'),
      bootedSystem: p('run/booted-system'),
      nixosConfigDir: p('etc/nixos'),
      rootChannelsDir: p('nix/var/nix/profiles/per-user/root/channels'),
      rootChannelsFile: p('root/.nix-channels'),
      nixStoreDir: p('nix/store'),
      nixDbFile: '',
      osReleaseFile: p('etc/os-release'),
      nixosMarkerFile: p('etc/NIXOS'),
      homeDir: p('home/alice'),
      userName: 'alice',
      hostname: 'fuzzbox',
      homeManagerProfile: p('home/alice/.local/state/nix/profiles/home-manager'),
      homeManagerConfig: p('home/alice/.config/home-manager/home.nix'),
      userChannelsFile: p('home/alice/.nix-channels'),
      userChannelsDir: p('nix/var/nix/profiles/per-user/alice/channels'),
      nixConfFile: p('etc/nix/nix.conf'),
      groupFile: p('etc/group'),
      stateDir: p('state'),
      cacheDir: p('cache'),
      configDir: p('config'),
      autostartDir: p('config/autostart'),
      starterConfigDir: p('home/alice/nixos-starter'),
      activationDir: p('run/nixos-companion'),
      channelBaseUrl: nowhere,
      releasesBaseUrl: nowhere,
      homeManagerArchiveBaseUrl: nowhere,
      privilege: 'direct',
      helperCommand: [helper],
      allowLoopDevices: false,
      allowHttpLoopbackChannels: false,
      keepAwake: false,
      useSystemdRun: false,
      commands,
    }),
  );
  served = await startServe({ hostFile, env: { NIXOS_COMPANION_HOST: hostFile } });
  // let startup settle; whatever it ran is the baseline (the assertions are about the calls)
  await served.rpc('jobs.list');
  await new Promise((r) => setTimeout(r, 500));
}, 60_000);

afterAll(async () => {
  await served?.stop();
});

// ---------------------------------------------------------------------------------------------
// transports

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function request(opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; text: string }> {
  const url = new URL(served.url);
  return new Promise((resolve) => {
    // an explicit length: Node sends a GET or DELETE body without one, which the server rightly reads as the next request
    const headers = opts.body === undefined ? opts.headers : { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) };
    const req = http.request({ host: url.hostname, port: url.port, method: opts.method ?? 'POST', path: opts.path ?? '/rpc', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => resolve({ status: -1, text: String(err) }));
    });
    req.on('error', (err) => resolve({ status: -1, text: `connection error: ${err.message}` }));
    req.end(opts.body);
  });
}
const auth = () => ({ authorization: `Bearer ${served.token}`, 'content-type': 'application/json' });

async function pool<T>(items: T[], width: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await each(items[next++]!);
  }));
}

/** An answer to a bad call: an error value whose message is words, and nothing in the body that looks like a stack. */
function checkRefusal(what: string, res: { status: number; text: string }, expectCode?: string) {
  if (res.status < 0) return problem(`${what}: no answer (${res.text})`);
  if (hasStack(res.text)) return problem(`${what}: stack trace in the answer: ${res.text}`);
  let body: { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(res.text) as typeof body;
  } catch {
    return problem(`${what}: answer is not JSON (${res.status}): ${res.text}`);
  }
  if (body.ok !== false) return problem(`${what}: accepted (${res.status}): ${res.text}`);
  if (!isWords(body.error?.message)) return problem(`${what}: error message is not words: ${res.text}`);
  if (expectCode && body.error?.code !== expectCode) problem(`${what}: expected ${expectCode}, got ${res.status} ${res.text}`);
}

function rawExchange(data: string | Buffer): Promise<string> {
  const url = new URL(served.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let got = '';
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

interface HelperOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}
/** closing stdin asks the helper to stop, so a run meant to finish keeps it open */
function runHelper(argv: string[], stdin: string | null, keepStdinOpen = false): Promise<HelperOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NIXOS_COMPANION_HOST: hostFile };
  delete env.PKEXEC_UID;
  delete env.SUDO_UID;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [helperBundle, ...argv], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (stdin !== null) child.stdin.write(stdin);
    if (!keepStdinOpen) child.stdin.end();
  });
}

// ---------------------------------------------------------------------------------------------

describe(`security fuzz (seed ${seed})`, () => {
  it('refuses every malformed call to every method, in words, without running anything or stopping', async () => {
    resetProblems();
    const before = recorded();

    // 1. RPC: every method of the contract, round after round, with params the contract rejects,
    //    and method names that do not exist
    const calls: { what: string; body: string; code: string }[] = [];
    const accepts = new Map(methodNames.map((m) => [m, (p: unknown) => methods[m].params.safeParse(p).success]));
    const keys = new Map(methodNames.map((m) => [m, shapeKeys(methods[m].params)]));
    for (let i = 0; calls.length < RPC_CALLS; i++) {
      if (i % 10 === 9) {
        const name = pick<unknown>(['system.formatDisk', 'jobs.list ', 'JOBS.LIST', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'jobs.list\0', 'jobs', '', 42, null, [], { toString: 'jobs.list' }, 'helper.gc', '../jobs.list', randomText(30)]);
        calls.push({ what: `method ${JSON.stringify(name)}`, body: JSON.stringify({ method: name, params: {} }), code: 'unknown-method' });
        continue;
      }
      const m = methodNames[i % methodNames.length]!;
      const params = mutatedParams(keys.get(m)!, accepts.get(m)!);
      if (params === null) continue;
      const body = JSON.stringify({ method: m, params });
      calls.push({ what: `${m} ${body.slice(0, 200)}`, body, code: 'invalid-params' });
    }
    const covered = new Set(calls.map((c) => /^([\w.]+) /.exec(c.what)?.[1]));
    expect(methodNames.filter((m) => !covered.has(m))).toEqual([]);
    await pool(calls, 8, async (c) => {
      checkRefusal(c.what, await request({ headers: auth(), body: c.body }), c.code);
      counts.rpc++;
    });

    // 2. HTTP: bodies, content types, tokens, Origin and Host, methods, paths
    const badCall = () => JSON.stringify({ method: pick(methodNames), params: { __fuzz: junk() } });
    const httpCases: { what: string; req: Parameters<typeof request>[0]; code?: string }[] = [];
    const bodies = ['{nope', '', 'null', '[]', '"str"', '123', 'true', '{"method":', '\0', '\ufeff{}', '{"method":"jobs.list","params":{}', '['.repeat(5_000) + ']'.repeat(5_000), '{"method":"jobs.list","params":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}', Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('latin1')];
    for (const body of bodies) httpCases.push({ what: `body ${JSON.stringify(body.slice(0, 40))}`, req: { headers: auth(), body }, code: 'invalid-params' });
    for (let i = 0; i < 3; i++) httpCases.push({ what: 'a body over the limit', req: { headers: auth(), body: Buffer.alloc(4 * 1024 * 1024 + 1 + int(1024 * 1024), 0x20) }, code: 'invalid-params' });
    for (let i = 0; i < 120; i++) {
      const contentType = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '', 'application/json\r\nX: y'.replace(/\r\n.*/, '')]);
      httpCases.push({ what: `content-type ${contentType}`, req: { headers: { ...auth(), 'content-type': contentType }, body: badCall() } });
    }
    for (let i = 0; i < 150; i++) {
      const token = pick([
        null, '', 'Bearer', 'Bearer ', `Bearer ${served.token}x`, `Bearer x${served.token}`, `bearer ${served.token}`, `Bearer ${served.token.toUpperCase()}`,
        `Bearer ${served.token.slice(0, -1)}`, `Basic ${Buffer.from(`a:${served.token}`).toString('base64')}`, `Bearer ${served.token} extra`, `Bearer  ${served.token}`, randomText(40).replace(/[^\x21-\x7e]/g, 'x'),
      ]);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = token;
      httpCases.push({ what: `token ${JSON.stringify(token?.slice(0, 20))}`, req: { headers, body: JSON.stringify({ method: 'jobs.list', params: {} }) }, code: 'not-authorized' });
    }
    const port = new URL(served.url).port;
    for (let i = 0; i < 150; i++) {
      const origin = pick(['https://evil.example', 'null', 'http://127.0.0.1:1', `http://127.0.0.1:${port}.evil.example`, `http://localhost.evil.example:${port}`, 'file://', `https://127.0.0.1:${port}`, `http://[::1]:${port}`]);
      httpCases.push({ what: `origin ${origin}`, req: { headers: { ...auth(), origin }, body: JSON.stringify({ method: 'jobs.list', params: {} }) }, code: 'not-authorized' });
      const host = pick(['evil.example', '127.0.0.1', 'localhost', 'localhost:1', `127.0.0.1:${port}.evil.example`, `evil.example:${port}`, `[::1]:${port}`, `127.0.0.2:${port}`, `0.0.0.0:${port}`]);
      httpCases.push({ what: `host ${host}`, req: { headers: { ...auth(), host }, body: JSON.stringify({ method: 'jobs.list', params: {} }) }, code: 'not-authorized' });
    }
    for (let i = 0; i < 60; i++) {
      const method = pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      httpCases.push({ what: `${method} /rpc`, req: { method, headers: auth(), body: method === 'GET' || method === 'HEAD' ? undefined : badCall() }, code: 'invalid-params' });
      const other = pick(['POST', 'PUT', 'DELETE', 'PATCH']);
      httpCases.push({ what: `${other} on a static path`, req: { method: other, path: pick(['/', '/index.html', '/rpc/', '/RPC', '/events', '/../rpc']), headers: auth(), body: badCall() } });
    }
    for (const p of ['/%E0%A4%A', '/%', '/%00', '/a%00.js', '/..%2f..%2f..%2fetc%2fpasswd.js', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd']) {
      httpCases.push({ what: `GET ${p}`, req: { method: 'GET', path: p, headers: { host: `127.0.0.1:${port}` } } });
    }
    await pool(httpCases, 6, async (c) => {
      const res = await request(c.req);
      counts.http++;
      if (res.text.includes('root:x:0:0')) problem(`${c.what}: served a file outside the renderer`);
      // a static GET of an odd path may be the app's page (client-side routes); everything else is refused
      if (c.req.method === 'GET' && c.req.path && c.req.path !== '/rpc' && res.status === 200) return;
      if (c.req.method === 'HEAD') return void (res.status >= 400 && res.status < 500 ? undefined : problem(`${c.what}: ${res.status}`));
      checkRefusal(c.what, res, c.code);
    });

    // 3. raw TCP: request lines and headers no HTTP client would send
    const rawCases: string[] = [`GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, `GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`];
    for (let i = 0; i < 150; i++) {
      const method = pick(['GET', 'POST', 'FOO', 'G ET', '', 'GET\0', randomText(5), 'CONNECT']);
      const target = pick(['//[', '/%', '/\0', '*', 'http://evil.example/', '//', '/rpc', '/events', randomText(20), `/${'a'.repeat(70_000)}`, '/?token=\0']);
      const version = pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/1.1x', '', 'FOO/1.1', 'HTTP/1.1\0']);
      const headers = Array.from({ length: int(4) }, () =>
        pick([`Host: 127.0.0.1:${port}`, 'Host: evil.example', 'X\0: y', ': novalue', 'Content-Length: -1', 'Content-Length: 1x', 'Content-Length: 99999999999999999999999', 'Transfer-Encoding: chunked, identity', 'Connection: Upgrade', 'Upgrade: websocket', `Origin: https://evil.example`, `Authorization: Bearer ${served.token}\0`, randomText(30), 'Sec-WebSocket-Key: !!!', 'Sec-WebSocket-Version: 99']),
      );
      rawCases.push(`${method} ${target} ${version}\r\n${headers.join('\r\n')}${headers.length ? '\r\n' : ''}Connection: close\r\n\r\n`);
    }
    await pool(rawCases, 6, async (text) => {
      const answer = await rawExchange(text);
      counts.raw++;
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(answer)?.[1];
      const what = `raw ${JSON.stringify(text.slice(0, 120))}`;
      if (!status) return problem(`${what}: no HTTP answer: ${JSON.stringify(answer.slice(0, 200))}`);
      if (hasStack(answer)) return problem(`${what}: stack trace in the answer`);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      if (Number(status) >= 400 && !isWords(body)) problem(`${what}: ${status} without words: ${JSON.stringify(body.slice(0, 200))}`);
    });

    // still serving, and nothing ran
    expect(await served.rpc('jobs.list')).toMatchObject({ jobs: [] });
    expect(served.stderr.join('\n')).not.toMatch(/Uncaught|Invalid URL|ERR_/);
    expect(problems).toEqual([]);
    expect(recorded()).toBe(before);
    console.log(`security fuzz: ${counts.rpc} RPC calls, ${counts.http} HTTP requests, ${counts.raw} raw requests refused`);

    // the control: one valid privileged call does reach the recording helper, so an empty record means something
    await served.rpc('system.gc', {});
    await expect.poll(() => recorded().slice(before.length), { timeout: 15_000 }).toMatch(/^helper .*\bgc\b/m);
  }, 120_000);

  it('the root helper refuses malformed operations and arguments with an exit code and words, never a stack trace, and runs nothing', async () => {
    resetProblems();
    const before = recorded();
    const p = protocol as unknown as Record<string, unknown>;
    // the helper's argv is `<class> <operation> <args>` where the protocol has privilege classes, else `<operation> <args>`
    const operationClass = typeof p.operationClass === 'function' ? (p.operationClass as (op: string, args: unknown) => string | null) : null;
    const classes = p.privilegeClasses ? Object.keys(p.privilegeClasses as object) : [];
    const argvFor = (op: string, args: unknown, encoded = '-') => (operationClass ? [operationClass(op, args) ?? pick(classes), op, encoded] : [op, encoded]);
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const cases: { what: string; argv: string[]; stdin: string | null }[] = [];
    const cls = () => (classes.length ? [pick(classes)] : []);

    for (const argv of [[], ['nonsense'], [...cls(), 'nonsense', '-'], [...cls(), '__proto__', '-'], [...cls(), 'constructor', '-'], [...cls(), 'toString', '-'], [...cls(), 'hasOwnProperty', '-'], ['$(id)', 'gc', '-'], [...cls(), 'gc; reboot', '-'], [...cls(), 'GC', '-'], [...argvFor('gc', {}), 'extra'], [...cls(), 'gc', '--help'], [...cls(), 'gc', 'not base64!'], [...cls(), 'gc', '++//=='], ['__proto__', 'gc', '-'], ['constructor', 'gc', '-'], [...cls(), '-', '-'], [...cls(), 'gc'], ['--', ...argvFor('gc', {})]]) {
      cases.push({ what: `argv ${JSON.stringify(argv)}`, argv, stdin: `${b64('{}')}\n` });
    }
    for (const stdin of [null, '', '\n', 'not base64url!\n', `${b64('not json')}\n`, `${b64('{"a":')}\n`, `${b64('['.repeat(200_000))}\n`, `${b64('{"generations":[1],"x":"\\u0000"}')}\n`, `${'A'.repeat(9 * 1024 * 1024)}\n`, `${b64('{"__proto__":{"polluted":true}}')}\n`, `${b64('null')}\n`, `${b64('[]')}\n`]) {
      cases.push({ what: `stdin ${JSON.stringify(stdin?.slice(0, 40))}`, argv: argvFor('delete-generations', null), stdin });
    }
    // the right arguments under the wrong privilege class: refused before anything runs
    if (operationClass) {
      for (const [op, args] of [['gc', {}], ['delete-generations', { generations: [1] }], ['channel-remove', { name: 'nixos' }], ['rollback', {}]] as const) {
        const right = operationClass(op, args);
        for (const wrong of classes.filter((c) => c !== right).slice(0, 2)) cases.push({ what: `${op} under ${wrong}`, argv: [wrong, op, '-'], stdin: `${b64(JSON.stringify(args))}\n` });
      }
    }
    // every operation with arguments its schema rejects
    for (const [op, operation] of Object.entries(helperContract)) {
      const keysOf = shapeKeys(operation.args);
      for (let i = 0; i < 3; i++) {
        const args = mutatedParams(keysOf, (a) => operation.args.safeParse(a).success);
        if (args === null) continue;
        const wire = JSON.parse(JSON.stringify({ args }) ?? '{}') as { args?: unknown };
        cases.push({ what: `${op} ${JSON.stringify(args)?.slice(0, 150)}`, argv: argvFor(op, wire.args), stdin: `${b64(JSON.stringify(wire.args ?? null))}\n` });
      }
    }

    await pool(cases, 2, async (c) => {
      const out = await runHelper(c.argv, c.stdin);
      counts.helper++;
      const what = `helper ${c.what}`;
      if (out.code === 0 || out.code === null) return problem(`${what}: exit ${out.code}`);
      if (hasStack(out.stdout) || hasStack(out.stderr)) return problem(`${what}: stack trace: ${out.stderr.slice(0, 300)} ${out.stdout.slice(0, 300)}`);
      const events = out.stdout.split('\n').filter(Boolean).map((line) => {
        try {
          return JSON.parse(line) as { type?: string; error?: { message?: unknown } };
        } catch {
          return { type: 'not-json' };
        }
      });
      if (events.some((e) => e.type === 'result' || e.type === 'not-json')) return problem(`${what}: ${out.stdout.slice(0, 300)}`);
      const error = events.find((e) => e.type === 'error');
      if (!error || !isWords(error.error?.message)) problem(`${what}: no error in words: ${out.stdout.slice(0, 300)}`);
    });

    expect(problems).toEqual([]);
    expect(recorded()).toBe(before);
    console.log(`security fuzz: ${counts.helper} helper runs refused`);

    // the control: valid arguments under the right class do run the (recorded) command
    const valid = await runHelper(argvFor('gc', {}), `${b64('{}')}\n`, true);
    expect(valid.code).toBe(0);
    expect(recorded().slice(before.length)).toMatch(/^nix-store --gc$/m);
  }, 120_000);

  it('sent at least 10,000 malformed calls in all', () => {
    expect(counts.rpc + counts.http + counts.raw + counts.helper).toBeGreaterThanOrEqual(10_000);
  });
});
