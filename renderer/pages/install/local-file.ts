/**
 * Where a file the person chose or dropped lives. In the desktop window the preload hands over
 * `pathForFile` (Electron's webUtils.getPathForFile: File.path is gone since Electron 32). A browser gives a
 * page only the file's name and bytes, never its path: there the person types or pastes the path.
 */
type DesktopBridge = { pathForFile?: (file: File) => string };

export function inDesktopWindow(): boolean {
  return typeof window !== 'undefined' && window.companion !== undefined;
}

/** The dropped file's path in the desktop window; null in a browser, or for something that is no file on disk. */
export function pathOfDroppedFile(file: File): string | null {
  const bridge = (typeof window !== 'undefined' ? window.companion : undefined) as DesktopBridge | undefined;
  if (typeof bridge?.pathForFile !== 'function') return null;
  const p = bridge.pathForFile(file);
  return p.startsWith('/') ? p : null;
}
