// Builds everything the app runs: the renderer (Vite) and the main-process bundles (esbuild).
// `node scripts/build.mjs --only=node` skips the renderer (tests that need only the helper).
import { build as esbuild } from 'esbuild';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { esmBanner, rawText } from './esbuild-app.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root, plugins: [rawText] };

async function buildNode() {
  await Promise.all([
    esbuild({ ...common, entryPoints: ['electron/serve.ts'], outfile: 'dist/electron/serve.mjs', format: 'esm', banner: esmBanner }),
    esbuild({ ...common, entryPoints: ['electron/helper/main.ts'], outfile: 'dist/helper/helper.mjs', format: 'esm', banner: esmBanner }),
    // the search index builder's worker thread, loaded as eval'd CommonJS (electron/services/search/index-thread.ts)
    esbuild({ ...common, entryPoints: ['electron/services/search/index-worker.ts'], outfile: 'dist/electron/search-index-worker.cjs', format: 'cjs', sourcemap: false }),
    existsSync(path.join(root, 'electron/main.ts')) &&
      esbuild({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.mjs', format: 'esm', banner: esmBanner, external: ['electron'] }),
    existsSync(path.join(root, 'electron/preload.ts')) &&
      // Sandboxed preloads must be a single CommonJS file that requires only 'electron'.
      esbuild({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'], sourcemap: false }),
  ]);
}

async function buildRenderer() {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}

const started = Date.now();
if (only !== 'renderer') await buildNode();
if (only !== 'node') await buildRenderer();
console.error(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
