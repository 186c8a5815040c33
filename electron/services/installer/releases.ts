import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IsoArch, IsoEdition, Release, ResolvedImage } from '../../../shared/contract/installer';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { Host } from '../../host';
import { checkRedirect, getText, head } from '../../core/http';

/**
 * What the channel server offers. Channel names are not listed anywhere we can rely on offline-first, so
 * the stable ones are derived from the date (NixOS releases in May and November: YY.05, YY.11) and each
 * candidate is probed: `<base>/<channel>/latest-nixos-minimal-<arch>-linux.iso` redirects to the versioned
 * file on the releases server when the channel exists. The redirect exists even when the file does not,
 * so the target is checked too.
 */

export const editions = [
  { id: 'minimal', label: 'Minimal', description: 'Text-mode installer (about 1 GB). Works everywhere; you install from a terminal, guided by the manual.' },
  { id: 'graphical', label: 'Graphical', description: 'Live desktop with the Calamares graphical installer (about 2.5–3.5 GB). Easiest for a first install.' },
];
export const arches = [
  { id: 'x86_64', label: 'x86_64 (Intel/AMD)', description: 'Nearly all PCs and laptops with an Intel or AMD processor.' },
  { id: 'aarch64', label: 'aarch64 (ARM 64-bit)', description: 'ARM machines with UEFI: recent ARM laptops, some servers and single-board computers.' },
];

export function machineArch(): IsoArch {
  return os.arch() === 'arm64' ? 'aarch64' : 'x86_64';
}

/** Stable release numbers to probe, newest first: the three latest whose release month has begun. */
export function candidateStableReleases(now: Date): string[] {
  const m = now.getUTCMonth() + 1;
  let year = now.getUTCFullYear() % 100;
  let month = m >= 11 ? 11 : m >= 5 ? 5 : 11;
  if (m < 5) year -= 1;
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    out.push(`${String(year).padStart(2, '0')}.${String(month).padStart(2, '0')}`);
    if (month === 11) month = 5;
    else {
      month = 11;
      year -= 1;
    }
  }
  return out;
}

/** Names the images of an edition go by, newest naming first: before 25.05 the graphical ISO was per desktop. */
export function editionFileNames(channel: string, edition: IsoEdition): string[] {
  if (edition === 'minimal') return ['minimal'];
  const m = /^nixos-(\d\d)\.(\d\d)$/.exec(channel);
  const old = m ? Number(m[1]) * 100 + Number(m[2]) < 2505 : false;
  return old ? ['gnome', 'plasma6', 'plasma5', 'graphical'] : ['graphical', 'gnome', 'plasma6'];
}

export function latestUrl(base: string, channel: string, fileEdition: string, arch: IsoArch): string {
  return `${base.replace(/\/+$/, '')}/${channel}/latest-nixos-${fileEdition}-${arch}-linux.iso`;
}

/** `nixos-minimal-24.11.711815.abc-x86_64-linux.iso` -> `24.11.711815.abc` */
export function versionFromFileName(fileName: string): string | null {
  return /^nixos-[a-z0-9]+-(.+)-(?:x86_64|aarch64)-linux\.iso$/.exec(fileName)?.[1] ?? null;
}

/** `<hex>  <file name>` (no trailing newline on the real server; tolerate one, and a leading `*` for binary mode). */
export function parseSha256File(text: string): { sha256: string; fileName: string | null } | null {
  const m = /^\s*([0-9a-fA-F]{64})(?:\s+\*?(\S+))?\s*$/.exec(text.trim().split('\n')[0] ?? '');
  return m ? { sha256: m[1]!.toLowerCase(), fileName: m[2] ?? null } : null;
}

/**
 * A name that came from the network may only name a file inside the cache: letters, digits and . _ + -,
 * not starting with a dot (so never `.`, `..` or a hidden file), no separators, nothing that decodes to them.
 */
export function isPlainFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && /^[A-Za-z0-9._+-]+$/.test(name) && !name.startsWith('.');
}

/** The last path segment of a download URL as a plain file name, or a refusal in words. */
export function fileNameFromUrl(url: URL): string {
  const raw = url.pathname.split('/').pop() ?? '';
  let name: string | null;
  try {
    name = decodeURIComponent(raw);
  } catch {
    name = null;
  }
  if (name === null || !isPlainFileName(name)) {
    throw new AppError(
      'refused',
      `The download server named the image ${JSON.stringify((name ?? raw).slice(0, 80))}, which is not a plain file name, so nothing was downloaded. The server may be broken or not the one it claims to be; try again later or use another mirror.`,
      url.toString().slice(0, 500),
    );
  }
  return name;
}

/** Where an image of this name lives in the cache; refuses any name that could point elsewhere. */
export function cachedIsoPath(ctx: AppContext, fileName: string): string {
  if (!isPlainFileName(fileName)) {
    throw new AppError('refused', `${JSON.stringify(fileName.slice(0, 80))} is not a plain file name, so it is not written to the download folder.`);
  }
  return path.join(cachedIsoDir(ctx), fileName);
}

interface Probe {
  latestUrl: string;
  url: string;
  fileName: string;
  size: number | null;
}

/**
 * Follows the latest-* redirect one hop and checks the target exists. `null` when the channel has no such
 * image; throws `not-found` when the redirect points at a missing file.
 */
async function probe(host: Host, channel: string, fileEdition: string, arch: IsoArch, signal?: AbortSignal): Promise<Probe | null> {
  const latest = latestUrl(host.channelBaseUrl, channel, fileEdition, arch);
  const first = await head(latest, { signal });
  if (first.status === 404 || first.status === 410) return null;
  if (first.status >= 300 && first.status < 400 && first.location) {
    const targetUrl = checkRedirect(latest, first.location, host.allowHttpLoopbackChannels);
    const fileName = fileNameFromUrl(targetUrl);
    const target = await head(first.location, { signal });
    if (target.status === 404 || target.status === 410) {
      throw new AppError('not-found', `The channel points at ${fileName}, but that file is not on the download server (yet). Try again later, or pick another release.`, `${latest} -> ${first.location}: ${target.status}`);
    }
    if (target.status !== 200) throw new AppError('network', `The download server answered with an error (HTTP ${target.status}) for ${fileName}. Try again later.`, first.location);
    return { latestUrl: latest, url: first.location, fileName, size: target.length };
  }
  if (first.status === 200) {
    // a mirror serving the file directly: the name stays the latest-* one
    return { latestUrl: latest, url: latest, fileName: fileNameFromUrl(new URL(latest)), size: first.length };
  }
  throw new AppError('network', `The channel server ${new URL(latest).host} answered with an error (HTTP ${first.status}). Try again later.`, latest);
}

const CACHE_MS = 10 * 60 * 1000;

export async function listReleases(ctx: AppContext, now = new Date()): Promise<Release[]> {
  const cached = ctx.state.releases;
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
  const base = ctx.host.channelBaseUrl;
  const arch = machineArch();
  const tryChannel = async (channel: string) => {
    try {
      const p = await probe(ctx.host, channel, 'minimal', arch);
      return p ? { channel, version: versionFromFileName(p.fileName) } : null;
    } catch (err) {
      if (err instanceof AppError && err.code === 'not-found') return { channel, version: null };
      throw err;
    }
  };
  const stables = candidateStableReleases(now);
  const results = await Promise.allSettled([tryChannel('nixos-unstable'), ...stables.map((r) => tryChannel(`nixos-${r}`))]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length === results.length) throw failures[0]!.reason;
  const found = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
  const releases: Release[] = [];
  const stableFound = found.slice(1).filter((f): f is { channel: string; version: string | null } => f !== null && f.version !== null).slice(0, 2);
  stableFound.forEach((s, i) => {
    const number = s.channel.slice('nixos-'.length);
    releases.push({
      channel: s.channel,
      kind: 'stable',
      label: `NixOS ${number}${i === 0 ? ' (stable)' : ' (previous stable)'}`,
      description:
        i === 0
          ? 'The current release: tested, and gets security fixes for about seven months. The right choice for most people.'
          : `The release before ${stableFound[0]!.channel.slice(6)}: still gets fixes for a short while after a new release comes out. Pick it only if you need to match another machine.`,
      version: s.version,
    });
  });
  const unstable = found[0];
  if (unstable && unstable.version !== null) {
    releases.push({ channel: 'nixos-unstable', kind: 'unstable', label: 'NixOS unstable', description: 'Rolling: the newest packages, updated every few days. Occasionally something breaks; for people who like to be on the edge.', version: unstable.version });
  }
  if (releases.length === 0) throw new AppError('not-found', `No NixOS images were found on ${base}. The channel server may be down; try again later.`);
  ctx.state.releases = { at: Date.now(), value: releases };
  return releases;
}

export function cachedIsoDir(ctx: AppContext): string {
  return path.join(ctx.host.cacheDir, 'isos');
}

export async function resolveImage(ctx: AppContext, channel: string, edition: IsoEdition, arch: IsoArch, signal?: AbortSignal): Promise<ResolvedImage> {
  let found: Probe | null = null;
  let missingTarget: AppError | null = null;
  for (const name of editionFileNames(channel, edition)) {
    try {
      found = await probe(ctx.host, channel, name, arch, signal);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not-found') {
        missingTarget ??= err;
        continue;
      }
      throw err;
    }
    if (found) break;
  }
  if (!found) {
    if (missingTarget) throw missingTarget;
    throw new AppError('not-found', `${channel} has no ${edition} image for ${arch}. Pick another release, edition or architecture.`);
  }
  const sumText = await getText(`${found.latestUrl}.sha256`, signal, { allowHttpLoopback: ctx.host.allowHttpLoopbackChannels });
  const parsed = sumText === null ? null : parseSha256File(sumText);
  const cached = cachedIsoPath(ctx, found.fileName);
  const { readFile } = await import('node:fs/promises');
  const cachedSum = existsSync(cached) ? parseSha256File(await readFile(`${cached}.sha256`, 'utf8').catch(() => ''))?.sha256 : undefined;
  return {
    channel,
    edition,
    arch,
    latestUrl: found.latestUrl,
    url: found.url,
    fileName: found.fileName,
    version: versionFromFileName(found.fileName) ?? found.fileName,
    size: found.size,
    sha256: parsed?.sha256 ?? null,
    cachedPath: parsed && cachedSum === parsed.sha256 ? cached : null,
  };
}
