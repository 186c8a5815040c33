// Builds everything the app runs: the renderer (Vite) and the main-process bundles (esbuild).
// `node scripts/build.mjs --only=node` skips the renderer (tests that need only the helper).
import { build as esbuild } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

// CommonJS dependencies (ws, sudo-prompt) call require() inside an ESM bundle.
const esmBanner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

// `import text from './x.md?raw'` (Learn's entries, electron/services/learn/content/) bundles the file as a
// string, as Vite does for the tests.
const rawText = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
    build.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'text', watchFiles: [args.path] }));
  },
};

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
