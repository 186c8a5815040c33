/**
 * Where each search's data comes from, and keeping it: the channel's packages.json.br and options.json.br
 * for the channel the system follows (downloaded with progress, cached), Home Manager's options JSON
 * from the installed Home Manager, or local files the host names. Each source's index is built once
 * and persisted next to the data, so the next start only loads it.
 */
import { mkdir, readFile, rename, stat, unlink, open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { SearchSourceId, SearchSources, SourceStatus } from '../../../shared/contract/search';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { get, getText } from '../../core/http';
import { resolveHomeManagerProfile } from '../home/profile-path';
import { listRootChannels } from '../system/channels';
import { lockInputs, parseLock, type LockNode } from '../system/flake';
import { readJson, sourceLabels as labels, writeAtomic } from './build';
import { INDEX_FORMAT_VERSION, SearchIndex } from './engine';
import { watchChannel } from './channel-watch';
import { buildIndexOffThread } from './index-thread';
import { pathExists } from '../../paths';
import { fetchFailureReason, hostOf } from './fetch-failure';
const channelFiles: Record<'packages' | 'nixos', string> = { packages: 'packages.json.br', nixos: 'options.json.br' };
const listNames: Record<'packages' | 'nixos', string> = { packages: 'the package list', nixos: 'the NixOS option list' };

interface CachedMeta {
  id: SearchSourceId;
  channel: string;
  url: string;
  release: string | null;
  revision: string | null;
  publishedAt: string | null;
  fetchedAt: string;
  bytes: number;
}

/** Where one source's data is right now. */
interface Resolved {
  id: SearchSourceId;
  origin: SourceStatus['origin'];
  file: string | null;
  channel: string | null;
  release: string | null;
  revision: string | null;
  publishedAt: string | null;
  fetchedAt: string | null;
  needsRefresh: boolean;
  message: string | null;
  /** changes whenever the data does */
  sourceKey: string | null;
}

export interface SearchState {
  indexes: Map<SearchSourceId, { key: string; index: SearchIndex }>;
  loading: Map<SearchSourceId, Promise<SearchIndex>>;
  channelWatch: { close(): void };
}

function stateOf(ctx: AppContext): SearchState {
  let s = ctx.state.search;
  if (!s) {
    // from the first use of search on: notice when the system moves to another channel or flake pin
    const channelWatch = watchChannel(ctx, async () => {
      const c = await userChannel(ctx);
      return `${c.name}@${c.revision ?? ''}`;
    });
    ctx.state.search = s = { indexes: new Map(), loading: new Map(), channelWatch };
  }
  return s;
}

/** Stop watching the channel (the app is closing). */
export function closeSearch(ctx: AppContext): void {
  ctx.state.search?.channelWatch.close();
  ctx.state.search = null;
}

const sourceDir = (ctx: AppContext, id: SearchSourceId) => path.join(ctx.host.cacheDir, 'search', id);

/** The stable release people would install today: YY.05 from June, YY.11 from December. */
export function newestStableChannel(now = new Date()): string {
  const y = now.getUTCFullYear() % 100;
  const m = now.getUTCMonth() + 1;
  const release = m >= 12 ? `${y}.11` : m >= 6 ? `${y}.05` : `${String(y - 1).padStart(2, '0')}.11`;
  return `nixos-${release}`;
}

/** "https://nixos.org/channels/nixos-24.11" -> "nixos-24.11" */
export function channelNameFromUrl(url: string): string | null {
  const last = url.replace(/\/+$/, '').split('/').pop() ?? '';
  return /^(nixos|nixpkgs)-[\w.-]+$/.test(last) ? last : null;
}

/** nixpkgs as the flake.lock next to a flake configuration pins it: the branch it follows, the locked revision and its date. */
export async function flakeNixpkgs(configDir: string): Promise<{ ref: string | null; revision: string | null; lockedAt: string | null } | null> {
  if (!(await pathExists(path.join(configDir, 'flake.nix')))) return null;
  let node: LockNode | undefined;
  try {
    node = lockInputs(parseLock(await readFile(path.join(configDir, 'flake.lock'), 'utf8'))).get('nixpkgs');
  } catch {
    return null; // no lock yet, or not one Nix wrote
  }
  if (!node?.locked) return null;
  const rev = node.locked.rev;
  return {
    ref: typeof node.original?.ref === 'string' ? node.original.ref : null,
    revision: typeof rev === 'string' && /^[0-9a-f]{40}$/.test(rev) ? rev : null,
    lockedAt: typeof node.locked.lastModified === 'number' ? new Date(node.locked.lastModified * 1000).toISOString() : null,
  };
}

/**
 * The channel whose data matches the system: for a flake configuration the branch its flake.lock follows
 * (nixos-24.11; nixpkgs-unstable and no branch mean nixos-unstable); else the root channel named "nixos",
 * else any root NixOS channel, else the newest stable.
 */
export async function userChannel(ctx: AppContext): Promise<SearchSources['channel']> {
  const flake = await flakeNixpkgs(ctx.host.nixosConfigDir);
  if (flake) {
    const ref = flake.ref && /^nixos-(\d\d\.\d\d|unstable)(-small)?$/.test(flake.ref) ? flake.ref : 'nixos-unstable';
    return { name: ref, from: 'flake', revision: flake.revision, lockedAt: flake.lockedAt };
  }
  const channels = await listRootChannels(ctx).catch(() => []);
  const preferred = [...channels].sort((a, b) => Number(b.name === 'nixos') - Number(a.name === 'nixos'));
  for (const c of preferred) {
    const name = c.url ? channelNameFromUrl(c.url) : null;
    if (name && name.startsWith('nixos')) return { name, from: 'system', revision: null, lockedAt: null };
  }
  return { name: newestStableChannel(), from: 'newest-stable', revision: null, lockedAt: null };
}

/** "/nixos/24.11/nixos-24.11.716.abc1234/packages.json.br" -> "nixos-24.11.716.abc1234" */
export function releaseFromUrl(url: string): string | null {
  const parts = new URL(url).pathname.split('/').filter(Boolean);
  for (let i = parts.length - 2; i >= 0; i--) if (/^(nixos|nixpkgs)-\d/.test(parts[i]!)) return parts[i]!;
  return null;
}

async function readMeta(ctx: AppContext, id: SearchSourceId): Promise<CachedMeta | null> {
  try {
    return JSON.parse(await readFile(path.join(sourceDir(ctx, id), 'meta.json'), 'utf8')) as CachedMeta;
  } catch {
    return null;
  }
}

async function fileKey(file: string): Promise<{ key: string; mtime: Date } | null> {
  try {
    const s = await stat(file);
    return { key: `${file}:${s.size}:${s.mtimeMs}`, mtime: s.mtime };
  } catch {
    return null;
  }
}

/** Where Home Manager puts its option list when `manual.json.enable = true` (<profile>/share/doc/home-manager/options.json). */
async function installedHomeManagerOptions(ctx: AppContext): Promise<string | null> {
  const profile = await resolveHomeManagerProfile(ctx.host);
  const candidates = [
    profile && path.join(profile, 'home-path/share/doc/home-manager/options.json'),
    path.join(ctx.host.homeDir, '.nix-profile/share/doc/home-manager/options.json'),
    path.join(process.env.XDG_STATE_HOME || path.join(ctx.host.homeDir, '.local/state'), 'nix/profile/share/doc/home-manager/options.json'),
    `/etc/profiles/per-user/${ctx.host.userName}/share/doc/home-manager/options.json`,
  ].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (await pathExists(c)) return c;
  return null;
}

async function resolveSource(ctx: AppContext, id: SearchSourceId, channel: string): Promise<Resolved> {
  const none = { channel: null, release: null, revision: null, publishedAt: null, fetchedAt: null };
  const local = id === 'packages' ? ctx.host.packagesJsonFile : id === 'nixos' ? ctx.host.optionsJsonFile : ctx.host.homeManagerOptionsFile;
  if (local) {
    const k = await fileKey(local);
    if (!k) return { id, origin: 'local-file', file: null, ...none, needsRefresh: false, message: `The file ${local} named for this search does not exist.`, sourceKey: null };
    return { id, origin: 'local-file', file: local, ...none, release: releaseFromFileName(local), publishedAt: k.mtime.toISOString(), needsRefresh: false, message: null, sourceKey: k.key };
  }
  if (id === 'home-manager') {
    const file = await installedHomeManagerOptions(ctx);
    if (!file) {
      return {
        id, origin: 'none', file: null, ...none, needsRefresh: false,
        message: 'Home Manager’s list of options is not installed. Add `manual.json.enable = true;` to your home.nix and switch, then refresh.',
        sourceKey: null,
      };
    }
    const k = await fileKey(file);
    return { id, origin: 'home-manager', file, ...none, publishedAt: k?.mtime.toISOString() ?? null, needsRefresh: false, message: null, sourceKey: k?.key ?? file };
  }
  const meta = await readMeta(ctx, id);
  const file = path.join(sourceDir(ctx, id), channelFiles[id]);
  if (!meta || !(await pathExists(file))) {
    return { id, origin: 'channel', file: null, ...none, channel, needsRefresh: true, message: `Not downloaded yet. Refresh to download it for ${channel}.`, sourceKey: null };
  }
  const changed = meta.channel !== channel;
  return {
    id,
    origin: 'channel',
    file,
    channel: meta.channel,
    release: meta.release,
    revision: meta.revision,
    publishedAt: meta.publishedAt,
    fetchedAt: meta.fetchedAt,
    needsRefresh: changed,
    message: changed ? `Your system now follows ${channel}, but this list is from ${meta.channel}. Refresh to download the matching one.` : null,
    sourceKey: `${meta.url}:${meta.fetchedAt}:${meta.bytes}`,
  };
}

function releaseFromFileName(file: string): string | null {
  return /(nixos|nixpkgs)-[\w.-]*?\d[\w.-]*?(?=\.json|$)/.exec(path.basename(file))?.[0] ?? /\d\d\.\d\d|unstable-\d{4}-\d\d/.exec(path.basename(file))?.[0] ?? null;
}

// ----------------------------------------------------------------------------------------------
// indexing

async function indexFor(ctx: AppContext, id: SearchSourceId, r: Resolved, opts: { rebuild?: boolean } = {}): Promise<SearchIndex> {
  if (!r.file || !r.sourceKey) {
    throw new AppError('not-found', `${labels[id]}: ${r.message ?? 'no data yet.'}`, undefined, 'search');
  }
  const state = stateOf(ctx);
  const key = `${INDEX_FORMAT_VERSION}:${r.sourceKey}`;
  const inMemory = state.indexes.get(id);
  if (inMemory?.key === key && !opts.rebuild) return inMemory.index;
  const pending = state.loading.get(id);
  if (pending && !opts.rebuild) return pending;
  const work = (async () => {
    const indexFile = path.join(sourceDir(ctx, id), 'index.bin');
    if (!opts.rebuild) {
      if (await pathExists(indexFile)) {
        try {
          const index = SearchIndex.open(indexFile);
          if (index.meta.sourceKey === key) {
            replace(state, id, { key, index });
            return index;
          }
          index.close();
        } catch {
          /* an index from another version of the app, or damaged: build a new one */
        }
      }
    }
    // in a worker thread: the main process keeps answering while a big list is indexed
    const built = await buildIndexOffThread({ id, file: r.file!, indexFile, sourceKey: key, release: r.release, revision: r.revision, channel: r.channel });
    // from disk when it could be written: only the index proper stays in memory, records are read when shown
    const index = built.bytes ? SearchIndex.fromBuffer(built.bytes) : SearchIndex.open(indexFile);
    replace(state, id, { key, index });
    return index;
  })();
  state.loading.set(id, work);
  try {
    return await work;
  } finally {
    if (state.loading.get(id) === work) state.loading.delete(id);
  }
}

function replace(state: SearchState, id: SearchSourceId, next: { key: string; index: SearchIndex }) {
  const previous = state.indexes.get(id);
  state.indexes.set(id, next);
  // compile the query paths now, while the person has not typed yet: one query per turn of the event loop,
  // so calls that arrive meanwhile are not kept waiting
  const queries = next.index.warmUpQueries();
  const step = () => {
    const q = queries.shift();
    if (q === undefined || state.indexes.get(id) !== next) return;
    next.index.search(q, { limit: 50, offset: 0 });
    setImmediate(step);
  };
  setImmediate(step);
  if (previous && previous.index !== next.index) previous.index.close();
}

/** The loaded index of a source, built from its data first if needed. */
export async function sourceIndex(ctx: AppContext, id: SearchSourceId): Promise<SearchIndex> {
  const channel = await userChannel(ctx);
  return indexFor(ctx, id, await resolveSource(ctx, id, channel.name));
}

/** The index if it is loaded already (never builds): for quick checks such as a homepage link. */
export function loadedIndex(ctx: AppContext, id: SearchSourceId): SearchIndex | null {
  return stateOf(ctx).indexes.get(id)?.index ?? null;
}

// ----------------------------------------------------------------------------------------------
// status and refresh

export async function searchSources(ctx: AppContext): Promise<SearchSources> {
  const channel = await userChannel(ctx);
  const state = stateOf(ctx);
  const sources = await Promise.all(
    (['packages', 'nixos', 'home-manager'] as const).map(async (id): Promise<SourceStatus> => {
      const r = await resolveSource(ctx, id, channel.name);
      const loaded = state.indexes.get(id);
      const indexed = Boolean(loaded && r.sourceKey && loaded.key === `${INDEX_FORMAT_VERSION}:${r.sourceKey}`);
      return {
        id,
        label: labels[id],
        available: r.file !== null,
        origin: r.origin,
        channel: r.channel,
        release: r.release,
        location: r.origin === 'channel' ? (r.file ? `${ctx.host.channelBaseUrl}/${r.channel}/${channelFiles[id as 'packages' | 'nixos']}` : null) : r.file,
        publishedAt: r.publishedAt,
        fetchedAt: r.fetchedAt,
        count: indexed ? loaded!.index.size : null,
        indexed,
        needsRefresh: r.needsRefresh,
        message: r.message,
      };
    }),
  );
  return { channel, sources };
}

/** Download one channel file with progress; returns the metadata written next to it. */
async function download(ctx: AppContext, id: 'packages' | 'nixos', channel: string, job: JobContext, report: (done: number, total: number | null) => void): Promise<CachedMeta> {
  const base = ctx.host.channelBaseUrl.replace(/\/+$/, '');
  const url = `${base}/${channel}/${channelFiles[id]}`;
  const allowHttpLoopback = ctx.host.allowHttpLoopbackChannels;
  let res: IncomingMessage;
  let finalUrl: string;
  try {
    ({ response: res, url: finalUrl } = await get(url, { signal: job.signal, allowHttpLoopback }));
  } catch (err) {
    if (job.signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    // a redirect the client refuses (https to http, or to another kind of address) says so in its own words
    if (err instanceof AppError && err.code === 'refused') throw err;
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new AppError('network', `Could not download ${listNames[id]} from ${hostOf(url)}: ${fetchFailureReason({ cause })}.`, `${url}\n${String(cause)}`, 'network');
  }
  if (res.statusCode === 404) {
    res.resume();
    throw new AppError('not-found', `The channel ${channel} has no ${channelFiles[id]} (the server answered 404). Check the channel name.`, url);
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new AppError('network', `The channel server answered ${res.statusCode} for ${channelFiles[id]}. Try again later.`, url, 'network');
  }
  const total = Number(res.headers['content-length']) || null;
  const dir = sourceDir(ctx, id);
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, channelFiles[id]);
  const temp = `${target}.${process.pid}.part`;
  const handle = await open(temp, 'w');
  let done = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      await handle.write(chunk);
      done += chunk.length;
      report(done, total);
    }
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => {});
    if (job.signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    throw new AppError('network', `The download of ${channelFiles[id]} broke off. Try again.`, String(err), 'network');
  }
  await handle.close();
  // a quick look that it is what it says before it replaces the old one
  await readJson(temp, true).catch(async (err) => {
    await unlink(temp).catch(() => {});
    throw err;
  });
  await rename(temp, target);
  let revision: string | null = null;
  try {
    const rev = await getText(`${base}/${channel}/git-revision`, job.signal, { allowHttpLoopback });
    if (rev !== null) revision = /^[0-9a-f]{40}$/.exec(rev.trim())?.[0] ?? null;
  } catch {
    /* the revision only sharpens declaration links */
  }
  const lastModified = res.headers['last-modified'];
  const meta: CachedMeta = {
    id,
    channel,
    url: finalUrl,
    release: releaseFromUrl(finalUrl),
    revision,
    publishedAt: lastModified ? new Date(lastModified).toISOString() : null,
    fetchedAt: new Date().toISOString(),
    bytes: done,
  };
  await writeAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  return meta;
}

/** The refresh job: download what comes from the channel, then (re)build every index that is out of date. */
export async function refreshSources(ctx: AppContext, job: JobContext, params: { sources?: SearchSourceId[]; force: boolean }): Promise<SearchSources> {
  const wanted = params.sources ?? (['packages', 'nixos', 'home-manager'] as const);
  const channel = await userChannel(ctx);
  const steps = wanted.length * 2;
  let step = 0;
  for (const id of wanted) {
    let r = await resolveSource(ctx, id, channel.name);
    if (r.origin === 'channel' && (id === 'packages' || id === 'nixos')) {
      job.phase(`download-${id}`, `Downloading ${labels[id].toLowerCase()} for ${channel.name}`, { cancellable: true });
      job.log(`Downloading ${ctx.host.channelBaseUrl}/${channel.name}/${channelFiles[id]}`, 'info');
      const started = Date.now();
      const meta = await download(ctx, id, channel.name, job, (done, total) => {
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? done / seconds : 0;
        job.progress({
          fraction: total ? (step + done / total) / steps : null,
          bytesDone: done,
          ...(total ? { bytesTotal: total, etaSeconds: rate > 0 ? (total - done) / rate : undefined } : {}),
          bytesPerSecond: rate,
          message: `${labels[id]}: ${(done / 1e6).toFixed(1)} MB`,
        });
      });
      job.log(`${labels[id]}: ${meta.release ?? channel.name}, ${(meta.bytes / 1e6).toFixed(1)} MB`, 'info');
      r = await resolveSource(ctx, id, channel.name);
    }
    step++;
    if (r.file) {
      job.phase(`index-${id}`, `Indexing ${labels[id].toLowerCase()}`, { cancellable: false });
      job.progress({ fraction: step / steps, message: `Indexing ${labels[id].toLowerCase()}` });
      const started = Date.now();
      const index = await indexFor(ctx, id, r, { rebuild: params.force });
      job.log(`${labels[id]}: ${index.size.toLocaleString('en')} entries indexed in ${Date.now() - started} ms`, 'info');
    } else if (r.message) job.log(`${labels[id]}: ${r.message}`, 'info');
    step++;
    job.progress({ fraction: step / steps });
  }
  ctx.events.emit({ topic: 'changed', what: 'search-sources' });
  return searchSources(ctx);
}
