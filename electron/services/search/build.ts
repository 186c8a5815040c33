/**
 * Building a source's index from its data file: read (and decompress), parse, index, write. This is
 * seconds of CPU for the packages list, so the app runs it in a worker thread (index-worker.ts) and
 * the main process only opens the finished file.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { SearchSourceId } from '../../../shared/contract/search';
import { AppError } from '../../errors';
import { buildIndex, type SourceDoc } from './engine';
import { parseOptionsJson, parsePackagesJson } from './parse';

const brotliDecompress = promisify(zlib.brotliDecompress);

export const sourceLabels: Record<SearchSourceId, string> = { packages: 'Packages', nixos: 'NixOS options', 'home-manager': 'Home Manager options' };

export interface BuildRequest {
  id: SearchSourceId;
  /** the data: packages.json(.br) or options.json(.br) */
  file: string;
  indexFile: string;
  /** written into the index, to know later whether it still matches the data */
  sourceKey: string;
  release: string | null;
  revision: string | null;
  channel: string | null;
}

export async function readJson(file: string, compressed = file.endsWith('.br')): Promise<unknown> {
  let bytes = await readFile(file);
  if (compressed) {
    try {
      bytes = await brotliDecompress(bytes);
    } catch (err) {
      throw new AppError('internal', `${path.basename(file)} could not be decompressed; it may be damaged. Refresh to download it again.`, String(err));
    }
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new AppError('internal', `${path.basename(file)} is not valid JSON; it may be damaged. Refresh to download it again.`, String(err));
  }
}

export function docsFor(id: SearchSourceId, data: unknown, r: { revision: string | null; release: string | null }): SourceDoc[] {
  try {
    if (id === 'packages') return parsePackagesJson(data).docs;
    const rev = r.revision ?? /\.([0-9a-f]{7,40})$/.exec(r.release ?? '')?.[1] ?? 'master';
    return parseOptionsJson(data, { source: id === 'home-manager' ? 'home-manager' : 'nixos', revision: rev });
  } catch (err) {
    throw new AppError('internal', `The ${sourceLabels[id].toLowerCase()} data could not be read: ${(err as Error).message}`);
  }
}

export const writeAtomic = (file: string, data: Buffer | Uint8Array | string) => writeFileAtomic(file, data, { mkdir: true });

/**
 * Build and write the index. Returns null when it was written to `indexFile`, else the bytes (the cache
 * folder could not be written: the caller keeps the index in memory).
 */
export async function buildIndexFile(req: BuildRequest): Promise<{ documents: number; bytes: Buffer | null }> {
  const docs = docsFor(req.id, await readJson(req.file), req);
  const built = await buildIndex(docs, { kind: req.id, builtAt: new Date().toISOString(), sourceKey: req.sourceKey, release: req.release, channel: req.channel });
  const written = await writeAtomic(req.indexFile, built).then(() => true, () => false);
  return { documents: docs.length, bytes: written ? null : built };
}
