import path from 'node:path';
import type { ChannelCheck, ChannelInfo } from '../../../shared/contract/system';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { Host } from '../../host';
import type { JobContext } from '../../exec/jobs';
import { parseDrvName } from './store-names';
import { CHANNEL_NAME, checkChannelUrl, listChannelDetails } from '../../core/channels';
import { head } from '../../core/http';

export { CHANNEL_NAME, checkChannelUrl, listChannelDetails, readChannelList, releaseFromChannelPath } from '../../core/channels';

/**
 * Root channels: the list in root's ~/.nix-channels (URL and name) and the channels profile
 * (`/nix/var/nix/profiles/per-user/root/channels/<name>`, what `nix-channel --update` last unpacked).
 * Changes go through the root helper, which runs the real `nix-channel`.
 */

/** Root channels by name, with the URL each follows and the release it points to. */
export async function listRootChannels(ctx: AppContext) {
  return (await listChannelDetails(ctx.host)).map(({ name, url, release }) => ({ name, url, release }));
}


/** The NixOS release a channel URL or release name is about: "nixos-24.11" -> "24.11", "nixos-unstable" -> "unstable". */
export function releaseSeries(urlOrName: string | null): string | null {
  if (!urlOrName) return null;
  const last = urlOrName.replace(/\/+$/, '').split('/').pop() ?? '';
  const m = /-(\d\d\.\d\d)(?=$|[.\-a-z])/.exec(last);
  if (m) return m[1]!;
  if (/-unstable(?:-small)?$/.test(last)) return 'unstable';
  return null;
}


function stateVersionWarning(from: string, to: string): string {
  return `This moves NixOS from ${from} to ${to}. Do NOT change system.stateVersion in your configuration: it records the release this machine was first installed with (it decides data formats of services), not the release you run. Read the release notes for ${to} before you rebuild.`;
}

export async function addChannel(ctx: AppContext, params: { name: string; url: string }) {
  const url = checkChannelUrl(ctx.host, params.url);
  if (!CHANNEL_NAME.test(params.name)) throw new AppError('invalid-params', 'A channel name may hold letters, digits, dots, dashes and underscores, and must start with a letter or digit.');
  const before = await listChannelDetails(ctx.host);
  const warnings: string[] = [];
  const previous = before.find((c) => c.name === params.name);
  const fromSeries = releaseSeries(previous?.url ?? null) ?? (previous?.version ? /^(\d\d\.\d\d)/.exec(previous.version)?.[1] ?? null : null);
  const toSeries = releaseSeries(url.toString());
  if (previous && fromSeries && toSeries && fromSeries !== toSeries) warnings.push(stateVersionWarning(fromSeries, toSeries));
  await ctx.privileged.run('channel-add', { name: params.name, url: url.toString().replace(/\/+$/, '') });
  ctx.events.emit({ topic: 'changed', what: 'channels' });
  if (previous?.installed || !previous) warnings.push(`Run "Update" on ${params.name} to download it; the change takes effect at the next rebuild.`);
  return { channels: await listChannelDetails(ctx.host), warnings };
}

export async function removeChannel(ctx: AppContext, params: { name: string }) {
  const before = await listChannelDetails(ctx.host);
  if (!before.some((c) => c.name === params.name)) throw new AppError('not-found', `There is no channel called "${params.name}".`);
  const warnings = params.name === 'nixos' ? ['Without a "nixos" channel, rebuilding a configuration that is not a flake will fail until you add one again.'] : [];
  await ctx.privileged.run('channel-remove', { name: params.name });
  ctx.events.emit({ topic: 'changed', what: 'channels' });
  return { channels: await listChannelDetails(ctx.host), warnings };
}

export async function updateChannels(ctx: AppContext, job: JobContext, params: { names?: string[] }) {
  const before = await listChannelDetails(ctx.host);
  const known = new Set(before.filter((c) => c.url).map((c) => c.name));
  const names = params.names?.length ? params.names : [...known];
  for (const n of names) if (!known.has(n)) throw new AppError('not-found', `There is no channel called "${n}" to update.`);
  if (!names.length) throw new AppError('not-found', 'There are no channels to update. Add one first.');
  job.phase('download', `Downloading ${names.join(', ')}`, { cancellable: true });
  await ctx.privileged.run('channel-update', { names }, {
    signal: job.signal,
    job,
  });
  const after = await listChannelDetails(ctx.host);
  ctx.events.emit({ topic: 'changed', what: 'channels' });
  const warnings: string[] = [];
  const changes = names.map((name) => {
    const b = before.find((c) => c.name === name);
    const a = after.find((c) => c.name === name);
    const fromSeries = b?.version ? /^(\d\d\.\d\d)/.exec(b.version)?.[1] : null;
    const toSeries = a?.version ? /^(\d\d\.\d\d)/.exec(a.version)?.[1] : null;
    if (fromSeries && toSeries && fromSeries !== toSeries) warnings.push(stateVersionWarning(fromSeries, toSeries));
    return { name, before: b?.version ?? b?.release ?? null, after: a?.version ?? a?.release ?? null };
  });
  return { channels: after, changes, warnings };
}

interface HeadResult {
  finalUrl: string;
  status: number;
  redirects: string[];
}

/** A HEAD request that follows redirects by hand (each hop checked like the channel URL itself). */
export async function headFollow(host: Host, start: string, opts: { timeoutMs?: number; maxRedirects?: number } = {}): Promise<HeadResult> {
  const redirects: string[] = [];
  let current = checkChannelUrl(host, start);
  for (let hop = 0; hop <= (opts.maxRedirects ?? 10); hop++) {
    const { status, location } = await head(current.toString(), { timeoutMs: opts.timeoutMs ?? 15_000 });
    if (status >= 300 && status < 400 && location) {
      const next = new URL(location, current);
      redirects.push(next.toString());
      current = checkChannelUrl(host, next.toString());
      continue;
    }
    return { finalUrl: current.toString(), status, redirects };
  }
  throw new AppError('network', `${start} redirects too many times.`);
}

/** Next NixOS releases after "24.05": 24.11, then 25.05. */
function nextReleases(series: string, count: number): string[] {
  let [yy, mm] = series.split('.').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (mm < 11) mm = 11;
    else {
      yy += 1;
      mm = 5;
    }
    out.push(`${String(yy).padStart(2, '0')}.${String(mm).padStart(2, '0')}`);
  }
  return out;
}

/**
 * Is there something newer? The channel URL redirects to the release it currently serves
 * (channels.nixos.org/nixos-24.11 -> releases.nixos.org/nixos/24.11/nixos-24.11.716.abc): its last part
 * names the release, which we compare with what was last unpacked. For a stable channel we also look
 * for the next releases (nixos-24.11 -> nixos-25.05) next to it.
 */
export async function checkChannelUpdates(ctx: AppContext, params: { name?: string }): Promise<{ channels: ChannelCheck[] }> {
  const all = await listChannelDetails(ctx.host);
  const selected = params.name ? all.filter((c) => c.name === params.name) : all;
  if (params.name && !selected.length) throw new AppError('not-found', `There is no channel called "${params.name}".`);
  const checks = await Promise.all(
    selected.map(async (c): Promise<ChannelCheck> => {
      const base: ChannelCheck = { name: c.name, url: c.url, installed: c.version ?? c.release, latest: null, latestUrl: null, updateAvailable: null, newerRelease: null, error: null, warnings: [] };
      if (!c.url) return { ...base, error: 'This channel has no address in the channel list.' };
      try {
        const res = await headFollow(ctx.host, c.url);
        if (res.status >= 400) return { ...base, error: `The channel server answered ${res.status} for ${c.url}.` };
        const latestName = decodeURIComponent(new URL(res.finalUrl).pathname.replace(/\/+$/, '').split('/').pop() ?? '');
        const latestVersion = parseDrvName(latestName).version || null;
        const installedVersion = c.version ?? (c.release ? parseDrvName(c.release).version || null : null);
        const updateAvailable = !c.installed ? true : latestVersion && installedVersion ? latestVersion !== installedVersion : null;
        const out: ChannelCheck = { ...base, latest: latestName || null, latestUrl: res.finalUrl, updateAvailable };
        const series = releaseSeries(c.url);
        if (series && series !== 'unstable') {
          const prefix = c.url.replace(/\/+$/, '').split('/').pop()!.replace(series, '{}');
          const dir = c.url.replace(/\/+$/, '').split('/').slice(0, -1).join('/');
          for (const next of nextReleases(series, 2)) {
            const candidate = `${dir}/${prefix.replace('{}', next)}`;
            const probe = await headFollow(ctx.host, candidate).catch(() => null);
            if (!probe || probe.status >= 400) break;
            out.newerRelease = { release: next, url: candidate };
          }
          if (out.newerRelease) out.warnings.push(stateVersionWarning(series, out.newerRelease.release));
        }
        return out;
      } catch (err) {
        if (err instanceof AppError && (err.code === 'refused' || err.code === 'network')) return { ...base, error: err.message };
        const e = err as NodeJS.ErrnoException;
        return { ...base, error: `Could not reach the channel server (${e.code ?? e.message}). Check your network connection.` };
      }
    }),
  );
  return { channels: checks };
}
