import type { AppContext } from '../../context';

/**
 * How to start this app again (for the autostart entry). The Electron shell sets it from its own
 * executable; elsewhere it is the `nixos-companion` command the packages put on PATH.
 */
export function setLaunchCommand(ctx: AppContext, argv: string[]): void {
  if (argv.length === 0) throw new Error('empty launch command');
  ctx.state.launchCommand = [...argv];
}

export function getLaunchCommand(ctx: AppContext): string[] {
  return [...ctx.state.launchCommand];
}

/**
 * The command that starts this Electron app: the AppImage file when run from one (its mount point changes
 * every run), else the executable, plus the app folder when Electron runs an unpackaged checkout.
 */
export function electronLaunchCommand(opts: { execPath: string; appPath: string; isPackaged: boolean; env: NodeJS.ProcessEnv }): string[] {
  if (opts.env.APPIMAGE) return [opts.env.APPIMAGE];
  return opts.isPackaged ? [opts.execPath] : [opts.execPath, opts.appPath];
}
