import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** Text files worth compressing: the loopback server sends the .br or .gz next to a file when the browser accepts it. */
const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

/**
 * Writes <file>.br and <file>.gz beside every compressible output file of 1 KiB or more, once, at build
 * time, at the highest levels (a browser on the loopback server then loads about a quarter of the bytes).
 * The Electron window reads the plain files from disk through app:// and never asks for these.
 */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'nixos-companion-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file) || statSync(file).size < 1024) continue;
        const data = readFileSync(file);
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), precompress()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
});
