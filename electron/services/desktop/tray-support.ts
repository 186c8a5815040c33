import path from 'node:path';

/** GNOME Shell extensions that give GNOME a StatusNotifierItem tray (upstream, Ubuntu's, and NixOS's package). */
const APPINDICATOR_EXTENSIONS = ['appindicatorsupport@rgcjonas.gmail.com', 'ubuntu-appindicators@ubuntu.com'];

export interface TraySupport {
  available: boolean;
  /** plain words for the person, when there is no tray */
  reason: string | null;
}

/** Where GNOME Shell looks for extensions, user dir first. */
export function gnomeExtensionDirs(env: NodeJS.ProcessEnv, home: string): string[] {
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local/share');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  return [dataHome, ...dataDirs, '/run/current-system/sw/share'].map((d) => path.join(d, 'gnome-shell/extensions'));
}

/**
 * Whether a tray icon will be seen. Electron cannot tell whether a StatusNotifierItem host is listening,
 * so this decides from the desktop: no graphical session means no tray; GNOME shows one only with the
 * AppIndicator extension; other Linux desktops (KDE, XFCE, Cinnamon, MATE, Budgie, LXQt, ...) have one.
 */
export function detectTraySupport(opts: { platform: NodeJS.Platform; env: NodeJS.ProcessEnv; home: string; exists: (p: string) => boolean }): TraySupport {
  const { platform, env } = opts;
  if (platform !== 'linux') return { available: true, reason: null };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { available: false, reason: 'There is no graphical session, so there is no tray icon.' };
  }
  const desktop = (env.XDG_CURRENT_DESKTOP ?? '').toLowerCase().split(':');
  if (desktop.includes('gnome')) {
    const dirs = gnomeExtensionDirs(env, opts.home);
    const found = dirs.some((d) => APPINDICATOR_EXTENSIONS.some((ext) => opts.exists(path.join(d, ext))));
    if (!found) {
      return {
        available: false,
        reason: 'GNOME shows tray icons only with the AppIndicator extension, which is not installed. The tray’s quick actions are in this window instead.',
      };
    }
  }
  return { available: true, reason: null };
}
