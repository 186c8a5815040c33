import { createContext, type AppContext } from './context';
import type { Host } from './host';
import { createHandlers } from './rpc/handlers';
import { Router } from './rpc/router';
import { startDesktop } from './services/desktop/desktop';
import { closeSearch } from './services/search/sources';

/** The app without a window: context, services and router. Both the Electron shell and `npm run serve` start here. */
export interface CompanionApp {
  ctx: AppContext;
  router: Router;
  dispose(): Promise<void>;
}

export async function createApp(host: Host, opts: { onInternalError?: (method: string, err: unknown) => void } = {}): Promise<CompanionApp> {
  const ctx = createContext(host);
  const router = new Router(createHandlers(ctx), opts.onInternalError ?? ((method, err) => console.error(`[rpc] ${method}:`, err)));
  const desktop = startDesktop(ctx, (method, params) => router.call(method, params));
  return {
    ctx,
    router,
    dispose: async () => {
      await desktop.dispose();
      closeSearch(ctx);
    },
  };
}
