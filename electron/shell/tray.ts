import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { TrayAction, TrayEntry, TrayMenu } from '../../shared/contract/desktop';

/** Renders the tray menu model; it decides nothing itself (the model is `tray.menu`). */
export class TrayIcon {
  private readonly tray: Tray;

  constructor(iconPath: string, private readonly onAction: (action: TrayAction) => void) {
    this.tray = new Tray(nativeImage.createFromPath(iconPath));
    this.tray.setToolTip('NixOS Companion');
    // Some desktops report no plain click: the context menu is always attached, and a click opens the app.
    this.tray.on('click', () => onAction({ kind: 'open' }));
  }

  render(menu: TrayMenu): void {
    this.tray.setToolTip(menu.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(menu.items.map((e) => this.toItem(e))));
  }

  destroy(): void {
    this.tray.destroy();
  }

  private toItem(entry: TrayEntry): MenuItemConstructorOptions {
    if (entry.type === 'separator') return { type: 'separator' };
    if (entry.type === 'submenu') {
      return { id: entry.id, label: entry.label, enabled: entry.enabled, submenu: entry.items.map((i) => this.toItem(i)) };
    }
    const action = entry.action;
    return {
      id: entry.id,
      label: entry.label,
      enabled: entry.enabled,
      ...(entry.checked !== undefined ? { type: 'checkbox' as const, checked: entry.checked } : {}),
      ...(action ? { click: () => this.onAction(action) } : {}),
    };
  }
}
