// Install-media throughput, each against a baseline measured in the same run on the same machine:
//  - write: the real root helper's `write-image` (O_EXCL|O_DIRECT, aligned 4 MiB buffers, first MiB last,
//    fdatasync) vs `dd bs=4M oflag=direct conv=fsync` to the same loop device.      Goal: ≥ 0.95× dd.
//  - write + verify (image hashed during the write, O_DIRECT read-back compared byte for byte) vs dd's write
//    alone.                                                                          Goal: ≤ 2.1× dd's time.
//  - verify read vs `dd iflag=direct bs=4M of=/dev/null` over the same bytes.
//  - download: the real `downloadImage` (SHA-256 while the bytes arrive) vs a plain HTTP download to a file
//    with no hashing, and vs that download followed by a second hashing pass (what "no second pass" saves).
// Needs root (loop devices). The image is a real isohybrid ISO (grub-rescue-pc) with a payload appended.
// USB_BENCH_MIB (image size, default 768), USB_BENCH_ROUNDS (default 3), USB_BENCH_PART=write|download (one half only).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { importFromApp } from './app-bundle.mjs';
import { median } from './timing.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (process.getuid?.() !== 0) {
  console.log('usb bench: needs root for loop devices; skipped');
  process.exit(0);
}
const MiB = 1024 * 1024;
const SIZE = Number(process.env.USB_BENCH_MIB ?? 768) * MiB;
const ROUNDS = Number(process.env.USB_BENCH_ROUNDS ?? 3);
// USB_BENCH_PART=write or =download runs only that half
const PART = process.env.USB_BENCH_PART ?? 'all';
const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-bench-usb-'));
const mbps = (bytes, s) => `${(bytes / s / 1e6).toFixed(0)} MB/s`;

// the helper, built from this checkout
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--only=node'], { stdio: 'inherit' });
const helper = path.join(root, 'dist/helper/helper.mjs');

// a real isohybrid ISO followed by incompressible payload
const iso = readFileSync('/usr/lib/grub-rescue/grub-rescue-cdrom.iso');
const image = path.join(dir, 'bench.iso');
{
  const fd = openSync(image, 'w');
  writeSync(fd, iso);
  let left = SIZE - iso.length;
  const block = randomBytes(4 * MiB);
  while (left > 0) {
    const n = Math.min(left, block.length);
    writeSync(fd, block, 0, n);
    left -= n;
  }
  closeSync(fd);
}
const imageSha = createHash('sha256').update(readFileSync(image)).digest('hex');
const backing = path.join(dir, 'stick.img');
writeFileSync(backing, '');
execFileSync('truncate', ['-s', String(SIZE + 64 * MiB), backing]);
const device = execFileSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' }).trim();
const hostFile = path.join(dir, 'host.json');
writeFileSync(hostFile, JSON.stringify({ allowLoopDevices: true, keepAwake: false }));

const seconds = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const dropCaches = () => {
  execFileSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch {
    /* not allowed here: every contender gets the same warm cache */
  }
};
function ddWrite() {
  dropCaches();
  return seconds(() => execFileSync('dd', [`if=${image}`, `of=${device}`, 'bs=4M', 'oflag=direct', 'conv=fsync', 'status=none']));
}
function ddRead() {
  return seconds(() => execFileSync('dd', [`if=${device}`, 'of=/dev/null', 'bs=4M', 'iflag=direct', `count=${Math.ceil(SIZE / (4 * MiB))}`, 'status=none']));
}
function diskseq() {
  return Number(readFileSync(`/sys/class/block/${path.basename(device)}/diskseq`, 'utf8'));
}
async function helperWrite(verify) {
  dropCaches();
  const args = Buffer.from(JSON.stringify({ image, device, verify, expected: { size: SIZE + 64 * MiB, serial: null, diskseq: diskseq() } })).toString('base64url');
  const t = process.hrtime.bigint();
  const child = spawn(process.execPath, [helper, 'write-image', args], { env: { ...process.env, NIXOS_COMPANION_HOST: hostFile }, stdio: ['pipe', 'pipe', 'inherit'] });
  // newer helpers read the arguments from stdin when given '-'; this one has them in argv as well
  child.stdin.on('error', () => {});
  child.stdin.write(`${args}\n`);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((r) => child.on('close', r));
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const result = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((e) => e.type === 'result' || e.type === 'error');
  if (code !== 0 || result?.type !== 'result') throw new Error(`helper failed: ${JSON.stringify(result)}`);
  if (verify && (result.value.deviceSha256 !== imageSha || result.value.imageSha256 !== imageSha)) throw new Error('read-back hash differs');
  return { wall, ...result.value };
}

const verdicts = [];
if (PART !== 'download') await benchWrite();
else execFileSync('losetup', ['-d', device]);
if (PART !== 'write') await benchDownload();
console.log('');
for (const v of verdicts) console.log(v);
rmSync(dir, { recursive: true, force: true });
if (existsSync(dir)) process.exitCode = 1;

async function benchWrite() {
  console.log(`usb bench: ${(SIZE / MiB).toFixed(0)} MiB image (grub-rescue ISO + payload) -> ${device}, ${ROUNDS} rounds, median of each`);
  const dd = [];
  const ours = [];
  const oursVerify = [];
  const ddReads = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      // alternate the order so neither side always gets the warmer machine
      if (r % 2 === 0) {
        dd.push(ddWrite());
        ours.push(await helperWrite(false));
      } else {
        ours.push(await helperWrite(false));
        dd.push(ddWrite());
      }
      oursVerify.push(await helperWrite(true));
      ddReads.push(ddRead());
      const o = ours.at(-1);
      const v = oursVerify.at(-1);
      console.log(`  round ${r + 1}: dd ${dd.at(-1).toFixed(2)} s | app write ${o.writeSeconds.toFixed(2)} s (helper ${o.wall.toFixed(2)} s) | app write+verify ${v.wall.toFixed(2)} s (verify ${v.verifySeconds.toFixed(2)} s) | dd read ${ddReads.at(-1).toFixed(2)} s`);
    }
  } finally {
    execFileSync('losetup', ['-d', device]);
  }
  const ddW = median(dd);
  const oursW = median(ours.map((o) => o.wall));
  const oursWV = median(oursVerify.map((o) => o.wall));
  const verifyRead = median(oursVerify.map((o) => o.verifySeconds));
  const ddR = median(ddReads);
  const direct = ours.every((o) => o.direct);
  console.log('');
  console.log(`dd write  (bs=4M oflag=direct conv=fsync)   ${ddW.toFixed(2)} s   ${mbps(SIZE, ddW)}`);
  const oursPhase = median(ours.map((o) => o.writeSeconds));
  console.log(`app write phase (O_DIRECT${direct ? '' : ' FELL BACK'})              ${oursPhase.toFixed(2)} s   ${mbps(SIZE, oursPhase)}   = ${(ddW / oursPhase).toFixed(2)}× dd's throughput (goal ≥ 0.95)`);
  console.log(`app write, whole helper run (start, checks) ${oursW.toFixed(2)} s   ${mbps(SIZE, oursW)}   = ${(ddW / oursW).toFixed(2)}× dd's throughput`);
  console.log(`app write + verify                          ${oursWV.toFixed(2)} s                = ${(oursWV / ddW).toFixed(2)}× dd's write time (goal ≤ 2.1)`);
  console.log(`dd read   (bs=4M iflag=direct)              ${ddR.toFixed(2)} s   ${mbps(SIZE, ddR)}`);
  console.log(`app verify (O_DIRECT read-back compared with the image)
                                            ${verifyRead.toFixed(2)} s   ${mbps(SIZE, verifyRead)}   = ${(ddR / verifyRead).toFixed(2)}× dd's read throughput`);
  const writeOk = ddW / median(ours.map((o) => o.writeSeconds)) >= 0.95;
  const verifyOk = oursWV / ddW <= 2.1;
  verdicts.push(`write ≥ 0.95× dd: ${writeOk ? 'met' : 'NOT met'}; write + verify ≤ 2.1× dd write: ${verifyOk ? 'met' : 'NOT met'}`);
}

async function benchDownload() {
  // --- download: hashing on the way vs no hashing vs a second pass ---
  const { downloadImage, loadHost } = await importFromApp(path.join(dir, 'download.mjs'), "export { downloadImage } from './electron/services/installer/download'; export { loadHost } from './electron/host';");
  const dlSha = imageSha;
  const version = '26.11.1.abcdef0';
  const fileName = `nixos-minimal-${version}-x86_64-linux.iso`;
  // the server runs in its own process, as a remote server would
  const serverSource = `
const http = require('node:http'); const fs = require('node:fs');
const [file, fileName, sha] = process.argv.slice(1);
const size = fs.statSync(file).size;
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/nixos-26.11/latest-nixos-minimal-x86_64-linux.iso')) res.writeHead(302, { location: '/releases/' + fileName + (req.url.endsWith('.sha256') ? '.sha256' : '') }).end();
  else if (req.url === '/releases/' + fileName + '.sha256') res.writeHead(200).end(sha + '  ' + fileName);
  else if (req.url === '/releases/' + fileName) { res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' }); if (req.method === 'HEAD') res.end(); else fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res); }
  else res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const serverProcess = spawn(process.execPath, ['-e', serverSource, image, fileName, dlSha], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => serverProcess.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  const base = `http://127.0.0.1:${port}`;
  const job = { id: 'bench', signal: new AbortController().signal, log() {}, progress() {}, phase() {}, setCancellable() {} };
  const ctxFor = (cacheDir) => ({ host: loadHost(process.env, { channelBaseUrl: base, cacheDir }) });

  async function plainDownload(file) {
    await new Promise((resolve, reject) => {
      http.get(`${base}/releases/${fileName}`, (res) => pipeline(res, createWriteStream(file)).then(resolve, reject)).on('error', reject);
    });
  }
  const hashFile = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
  const plain = [];
  const plainPlusHash = [];
  const app = [];
  async function plainRound(r) {
    execFileSync('sync'); // start each contender without the previous one's dirty pages to write back
    const f = path.join(dir, `plain-${r}.iso`);
    const t0 = process.hrtime.bigint();
    await plainDownload(f);
    const t1 = process.hrtime.bigint();
    if (hashFile(f) !== dlSha) throw new Error('plain download differs');
    const t2 = process.hrtime.bigint();
    plain.push(Number(t1 - t0) / 1e9);
    plainPlusHash.push(Number(t2 - t0) / 1e9);
    rmSync(f);
  }
  async function appRound(r) {
    execFileSync('sync');
    const cache = path.join(dir, `cache-${r}`);
    const t3 = process.hrtime.bigint();
    const result = await downloadImage(ctxFor(cache), job, { channel: 'nixos-26.11', edition: 'minimal', arch: 'x86_64' });
    app.push(Number(process.hrtime.bigint() - t3) / 1e9);
    if (result.sha256 !== dlSha || result.reused) throw new Error('app download differs');
    rmSync(cache, { recursive: true, force: true });
  }
  // one unmeasured run each to warm up (first file in the cache folder, JIT), then alternate
  await plainRound('warm');
  await appRound('warm');
  plain.length = plainPlusHash.length = app.length = 0;
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      await plainRound(r);
      await appRound(r);
    } else {
      await appRound(r);
      await plainRound(r);
    }
    console.log(`  round ${r + 1}: plain ${plain.at(-1).toFixed(2)} s | plain + hash pass ${plainPlusHash.at(-1).toFixed(2)} s | app ${app.at(-1).toFixed(2)} s`);
  }
  serverProcess.kill();
  const p = median(plain);
  const ph = median(plainPlusHash);
  const a = median(app);
  console.log('');
  console.log(`plain HTTP download to a file (no hash)     ${p.toFixed(2)} s   ${mbps(SIZE, p)}`);
  console.log(`plain download, then a second SHA-256 pass  ${ph.toFixed(2)} s   ${mbps(SIZE, ph)}`);
  console.log(`app download (SHA-256 while downloading)    ${a.toFixed(2)} s   ${mbps(SIZE, a)}   = ${(a / p).toFixed(2)}× plain, ${(a / ph).toFixed(2)}× plain + second pass`);
  verdicts.push(`download hashes while it arrives (no second pass): ${(a / p).toFixed(2)}× a plain download's time (goal: near 1)`);
}
