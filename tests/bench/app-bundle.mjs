// The benchmarks run the app's own TypeScript: one esbuild bundle of what they import, loaded as ESM.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { esmBanner, rawText } from '../../scripts/esbuild-app.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Bundles `exports` (e.g. "export { createApp } from './electron/app';", paths from the repository root) into `outfile` and imports it. */
export async function importFromApp(outfile, exports) {
  await build({
    stdin: { contents: exports, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    banner: esmBanner,
    plugins: [rawText],
  });
  return import(pathToFileURL(outfile).href);
}
