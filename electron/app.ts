import { createContext, type AppContext } from './context';
import type { Host } from './host';
import { createHandlers } from './rpc/handlers';
import { Router } from './rpc/router';
import { startDesktop } from './services/desktop/desktop';
import { closeSearch } from './services/search/sources';
import { RebuildService } from './services/system/rebuild';
import { SafeSwitchService } from './services/system/safe-switch';
import { stopWatching } from './services/usb/drive-list';

/** The app without a window: context, services and router. Both the Electron shell and `npm run serve` start here. */
export interface CompanionApp {
  ctx: AppContext;
  router: Router;
  services: AppServices;
  dispose(): Promise<void>;
}

/** The services that live as long as the app (they hold jobs waiting for a person, or timers): made here, stopped by dispose. */
export interface AppServices {
  rebuild: RebuildService;
  safeSwitch: SafeSwitchService;
}

export async function createApp(host: Host, opts: { onInternalError?: (method: string, err: unknown) => void } = {}): Promise<CompanionApp> {
  const ctx = createContext(host);
  const services: AppServices = { rebuild: new RebuildService(ctx), safeSwitch: new SafeSwitchService(ctx) };
  const router = new Router(createHandlers(ctx, services), opts.onInternalError ?? ((method, err) => console.error(`[rpc] ${method}:`, err)));
  const desktop = startDesktop(ctx, (method, params) => router.call(method, params));
  // An activation that outlived the previous run of the app (closed mid-switch) is picked up at start.
  void router.call('system.rebuild.reattach', {});
  return {
    ctx,
    router,
    services,
    dispose: async () => {
      services.safeSwitch.dispose();
      stopWatching(ctx);
      await desktop.dispose();
      closeSearch(ctx);
    },
  };
}
