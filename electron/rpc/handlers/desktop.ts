import type { AppContext } from '../../context';
import { desktopOf } from '../../services/desktop/desktop';
import { getLaunchCommand } from '../../services/desktop/launch';
import { readDesktopSettings, updateDesktopSettings } from '../../services/desktop/settings';
import type { Handlers } from '../router';

export const desktopHandlers = (ctx: AppContext) =>
  ({
    'tray.menu': () => desktopOf(ctx).menu(),
    'desktop.capabilities': () => desktopOf(ctx).capabilities(),
    'desktop.settings.get': () => readDesktopSettings(ctx.host),
    'desktop.settings.set': async (p) => {
      const settings = await updateDesktopSettings(ctx.host, p, getLaunchCommand(ctx));
      ctx.events.emit({ topic: 'changed', what: 'settings', detail: { area: 'desktop' } });
      return settings;
    },
    'desktop.action.request': (p) => ({ confirmationId: desktopOf(ctx).requestAction(p.action, 'window') }),
    'desktop.confirmation.get': (p) => desktopOf(ctx).confirmations.describe(p.id),
    'desktop.confirmation.answer': (p) => desktopOf(ctx).answer(p.id, p.accept),
  }) satisfies Partial<Handlers>;
