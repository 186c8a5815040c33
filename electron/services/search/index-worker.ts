/**
 * Worker-thread entry: builds one source's index (build.ts) off the main process's thread. Bundled by
 * scripts/build.mjs to dist/electron/search-index-worker.cjs; from the TypeScript sources (tests) it is
 * bundled in memory on first use (index-thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toRpcError } from '../../errors';
import { buildIndexFile, type BuildRequest } from './build';

buildIndexFile(workerData as BuildRequest).then(
  (r) => parentPort!.postMessage({ ok: true, documents: r.documents, bytes: r.bytes }),
  // AppErrors keep their words; Node errors (ENOSPC, EACCES...) get the app's plain ones
  (err: unknown) => parentPort!.postMessage({ ok: false, error: toRpcError(err) }),
);
