/**
 * The one way out to the system browser, for the Electron shell. There is a single allow-list and a
 * single opener: Learn's (`services/learn/open-external.ts`). The shell hands it `shell.openExternal`
 * here, and links a page tries to follow (`<a target=_blank>`, `window.open`, navigation away from
 * the app) go through the same `openExternal` as the `learn.openExternal` method, so both are refused
 * or opened by the same rules.
 */
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { openExternal, setExternalOpener, type ExternalOpener } from '../learn/open-external';

export function connectExternalOpener(ctx: AppContext, opener: ExternalOpener): void {
  setExternalOpener(ctx, opener);
}

export type LinkResult = { opened: true } | { opened: false; reason: string };

/** A link from a page: opened only if Learn's allow-list allows it; never throws (nobody waits for it). */
export async function openLinkFromPage(ctx: AppContext, raw: string): Promise<LinkResult> {
  if (typeof raw !== 'string' || raw.length > 2048) return { opened: false, reason: 'not an address' };
  try {
    await openExternal(ctx, { url: raw });
    return { opened: true };
  } catch (err) {
    return { opened: false, reason: err instanceof AppError ? err.code : 'failed' };
  }
}
