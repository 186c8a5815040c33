import type { AppServices } from '../../app';
import type { AppContext } from '../../context';
import type { Handlers } from '../router';
import { jobsHandlers } from './jobs';
import { systemHandlers } from './system';
import { installerHandlers } from './installer';
import { usbHandlers } from './usb';
import { homeHandlers } from './home';
import { searchHandlers } from './search';
import { learnHandlers } from './learn';
import { desktopHandlers } from './desktop';
import { systemRebuildHandlers } from './system-rebuild';
import { systemPreflightHandlers } from './system-preflight';
import { systemUpdatesHandlers } from './system-updates';

/** Contract -> services, one file per area. The type makes a method without a handler a compile error. */
export function createHandlers(ctx: AppContext, services: AppServices): Handlers {
  return {
    ...jobsHandlers(ctx),
    ...systemHandlers(ctx),
    ...installerHandlers(ctx),
    ...usbHandlers(ctx),
    ...homeHandlers(ctx),
    ...searchHandlers(ctx),
    ...learnHandlers(ctx),
    ...desktopHandlers(ctx),
    ...systemRebuildHandlers(ctx, services),
    ...systemPreflightHandlers(ctx),
    ...systemUpdatesHandlers(ctx),
  };
}
