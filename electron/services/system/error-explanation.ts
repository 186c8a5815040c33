/**
 * The classifier of electron/core/nix-errors.ts, given what only the app knows: the closest package and
 * option names from the offline search indexes (when their lists are downloaded), and where the error is.
 */
import type { ErrorExplanation } from '../../../shared/contract/core';
import type { AppContext } from '../../context';
import { explainNixError, type ExplainContext } from '../../core/nix-errors';
import { sourceIndex } from '../search/sources';

type SourceId = 'packages' | 'nixos' | 'home-manager';

/** An index if its list is downloaded and it loads within a few seconds; null otherwise (the explanation then has no names to offer). */
async function indexIfReady(ctx: AppContext, id: SourceId) {
  const index = sourceIndex(ctx, id).catch(() => null);
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 8_000).unref());
  return Promise.race([index, timeout]);
}

function closest(index: Awaited<ReturnType<typeof indexIfReady>>): ((name: string) => string[]) | undefined {
  if (!index) return undefined;
  return (name) => index.search(name, { limit: 5, offset: 0 }).hits.map((h) => index.name(h.doc));
}

export async function explainFailure(ctx: AppContext, text: string, context: Omit<ExplainContext, 'closestNames' | 'closestOptions'>): Promise<ErrorExplanation | null> {
  const full: ExplainContext = { ...context };
  if (/undefined variable '|attribute '[^']*' missing/.test(text)) full.closestNames = closest(await indexIfReady(ctx, 'packages'));
  if (/The option `[^']*' does not exist/.test(text)) full.closestOptions = closest(await indexIfReady(ctx, context.tool === 'home-manager' ? 'home-manager' : 'nixos'));
  return explainNixError(text, full);
}
