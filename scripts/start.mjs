// `npm start`: install the Node dependencies when they are missing, build, then launch the Electron app. Where no Electron binary can start (not downloaded,
// no display, the npm binary on NixOS), say so in one sentence and serve the loopback mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const passThrough = process.argv.slice(2);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The Electron binary, as the electron package finds it (it honours ELECTRON_OVERRIDE_DIST_PATH), or why there is none. */
function findElectron() {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = path.join(override, 'electron');
    return existsSync(candidate) ? { binary: candidate } : { reason: `ELECTRON_OVERRIDE_DIST_PATH names ${override}, which holds no electron binary` };
  }
  try {
    const binary = createRequire(import.meta.url)('electron');
    return existsSync(binary) ? { binary } : { reason: 'the Electron binary was not downloaded (it is installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 here)' };
  } catch {
    return { reason: 'the Electron binary was not downloaded (it is installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 here)' };
  }
}

/** Can this binary run at all? (The npm Electron does not run on NixOS; a broken download does not run anywhere.) */
function whyItCannotStart(binary) {
  const probe = spawnSync(binary, ['--version'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 15_000 });
  if (probe.error || probe.status !== 0) return `${binary} does not run on this machine (${probe.error?.message ?? (probe.stderr || `exit code ${probe.status}`).trim().split('\n')[0]})`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return null;
}

function launchElectron(binary) {
  const child = spawn(binary, [root, ...passThrough], { cwd: root, stdio: 'inherit' });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function serveLoopback() {
  const child = spawn(process.execPath, [path.join(root, 'dist/electron/serve.mjs'), ...passThrough], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  readline.createInterface({ input: child.stdout }).once('line', (line) => {
    try {
      const { url, token } = JSON.parse(line);
      console.log(`Open NixOS Companion in your browser: ${url}/?token=${token}`);
    } catch {
      console.log(line);
    }
  });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 0));
}

/**
 * A fresh clone has no node_modules: install them first. Where Electron's own binary cannot be
 * downloaded (no network to its host), install everything else and say so; the app then serves the
 * loopback mode below.
 */
function installDependencies() {
  if (existsSync(path.join(root, 'node_modules/.package-lock.json'))) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  console.log('Installing the Node dependencies (npm ci), once…');
  const first = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (first.status === 0) return;
  console.log('npm ci failed (often: the Electron binary cannot be downloaded here). Installing again without the Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD=1).');
  run(npm, ['ci', '--no-audit', '--no-fund'], { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
}

installDependencies();
run(process.execPath, [path.join(root, 'scripts/build.mjs')]);
const found = findElectron();
const reason = found.reason ?? whyItCannotStart(found.binary);
if (reason) {
  console.log(`Electron cannot start here because ${reason}, so NixOS Companion runs in loopback mode instead.`);
  serveLoopback();
} else {
  launchElectron(found.binary);
}
