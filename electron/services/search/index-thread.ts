/**
 * Runs an index build in a worker thread, so the main process keeps answering while the packages list
 * (145,000 entries, seconds of CPU) is indexed. The worker code is the bundle scripts/build.mjs writes
 * next to the app's own bundle; when the app runs from its TypeScript sources (tests), esbuild bundles
 * index-worker.ts in memory once. It is run as eval'd CommonJS so it also works from inside an asar archive.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RpcError } from '../../../shared/contract/core';
import { AppError } from '../../errors';
import type { BuildRequest } from './build';

export const WORKER_BUNDLE = 'search-index-worker.cjs';

let code: Promise<string> | null = null;

function workerCode(): Promise<string> {
  code ??= (async () => {
    const here = fileURLToPath(import.meta.url);
    if (!here.endsWith('.ts')) return readFile(path.join(path.dirname(here), WORKER_BUNDLE), 'utf8');
    // a variable, so the app's bundler does not pull esbuild (a build tool) into the app
    const bundler = 'esbuild';
    const { build } = (await import(/* @vite-ignore */ bundler)) as typeof import('esbuild');
    const out = await build({ entryPoints: [path.join(path.dirname(here), 'index-worker.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false, logLevel: 'silent' });
    return out.outputFiles[0]!.text;
  })();
  code.catch(() => (code = null));
  return code;
}

interface WorkerReply {
  ok: boolean;
  documents?: number;
  bytes?: Uint8Array | null;
  error?: RpcError;
}

/** Build and write the index in a worker; resolves like buildIndexFile. */
export async function buildIndexOffThread(req: BuildRequest): Promise<{ documents: number; bytes: Buffer | null }> {
  let source: string;
  try {
    source = await workerCode();
  } catch (err) {
    throw new AppError('internal', 'The search indexer is missing from this installation. Reinstall the app.', String(err));
  }
  const worker = new Worker(source, { eval: true, workerData: req, name: `search-index-${req.id}` });
  try {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (exitCode) => reject(new Error(`the indexer stopped (exit code ${exitCode}) before it finished`)));
    });
    if (!reply.ok) throw new AppError(reply.error!.code, reply.error!.message, reply.error!.detail);
    return { documents: reply.documents!, bytes: reply.bytes ? Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength) : null };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('internal', `Indexing the ${req.id === 'packages' ? 'packages' : 'options'} failed: ${(err as Error).message}.`, (err as Error).stack);
  } finally {
    void worker.terminate();
  }
}
