/**
 * Opening links in the system browser. The renderer cannot open windows; it asks here, and only
 * addresses on the allow-list (or exactly a package's recorded homepage) are opened.
 */
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { PackageResult } from '../../../shared/contract/search';
import { sourceIndex } from '../search/sources';
import { entries, resources } from './entries';

export type ExternalOpener = (url: string) => Promise<void>;

/** hosts whose every page may be opened (and their subdomains, for the first two) */
const trustedDomains = ['nixos.org', 'nix.dev'];
const trustedHosts = new Set(['discourse.nixos.org', 'search.nixos.org', 'wiki.nixos.org', 'nix-community.github.io']);
/** on github.com, only these organisations */
const trustedGitHubOwners = new Set(['nixos', 'nix-community']);

/** addresses the app itself shows (the Learn resources and entry links): allowed exactly */
const knownUrls = new Set([...resources.map((r) => r.url), ...Object.values(entries).flatMap((e) => e.links.map((l) => l.url))]);

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Is this address one the app opens without a second thought? */
export function isAllowedUrl(url: string): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password || (u.port && u.port !== '443')) return false;
  if (knownUrls.has(url)) return true;
  const host = u.hostname.toLowerCase();
  if (trustedHosts.has(host)) return true;
  if (trustedDomains.some((d) => host === d || host.endsWith(`.${d}`))) return true;
  if (host === 'github.com') {
    const owner = u.pathname.split('/')[1]?.toLowerCase() ?? '';
    return trustedGitHubOwners.has(owner);
  }
  return false;
}

/** The Electron shell calls this with `shell.openExternal`; without it, links go to xdg-open. */
export function setExternalOpener(ctx: AppContext, opener: ExternalOpener): void {
  ctx.state.externalOpener = opener;
}

export function xdgOpener(ctx: AppContext): ExternalOpener {
  return async (url) => {
    await ctx.runner.run('xdg-open', [url], { timeoutMs: 15_000 });
  };
}

export async function openExternal(ctx: AppContext, params: { url: string; fromPackage?: string }): Promise<{ opened: true; url: string }> {
  const url = params.url;
  let allowed = isAllowedUrl(url);
  if (!allowed && params.fromPackage) {
    const u = parse(url);
    if (u && (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password) {
      const index = await sourceIndex(ctx, 'packages').catch(() => null);
      const doc = index?.findByName(params.fromPackage) ?? null;
      if (index && doc !== null && index.name(doc) === params.fromPackage) {
        allowed = index.record<PackageResult>(doc).homepage.includes(url);
      }
    }
  }
  if (!allowed) {
    throw new AppError('refused', 'The app opens only links to NixOS sites and to the homepages recorded for packages. Copy the address if you want to visit it.', url);
  }
  const opener = ctx.state.externalOpener ?? xdgOpener(ctx);
  await opener(url);
  return { opened: true, url };
}
