// esbuild settings every bundle of the app's main-process code needs (the build and the benchmarks).
import { readFile } from 'node:fs/promises';
import path from 'node:path';

// CommonJS dependencies (ws, sudo-prompt) call require() inside an ESM bundle.
export const esmBanner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

// `import text from './x.md?raw'` (Learn's entries, electron/services/learn/content/) bundles the file as a
// string, as Vite does for the tests.
export const rawText = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
    build.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'text', watchFiles: [args.path] }));
  },
};
