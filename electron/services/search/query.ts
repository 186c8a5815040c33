import type { OptionResult, PackageResult } from '../../../shared/contract/search';
import type { AppContext } from '../../context';
import { sourceIndex } from './sources';

interface QueryParams {
  query: string;
  limit: number;
  offset: number;
}

function run<T>(index: Awaited<ReturnType<typeof sourceIndex>>, params: QueryParams) {
  const started = performance.now();
  const { hits, total } = index.search(params.query, { limit: params.limit, offset: params.offset });
  const results = hits.map((h) => index.record<T>(h.doc));
  return { results, total, tookMs: Math.round((performance.now() - started) * 100) / 100 };
}

export async function searchPackages(ctx: AppContext, params: QueryParams) {
  return run<PackageResult>(await sourceIndex(ctx, 'packages'), params);
}

export async function searchOptions(ctx: AppContext, params: QueryParams & { source: 'nixos' | 'home-manager' }) {
  return run<OptionResult>(await sourceIndex(ctx, params.source), params);
}
