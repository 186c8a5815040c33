/**
 * The one way out to the system browser. Two sides meet here:
 * - the Electron shell registers the opener (`shell.openExternal`) with `setExternalOpener`;
 * - the Learn/Search area registers which addresses may be opened with `setExternalUrlPolicy`.
 * Everything else (links the window tries to open, `window.open`) calls `openExternal`, which opens
 * only https addresses the policy allows, and only where an opener exists (not in loopback mode,
 * where the browser opens links itself).
 */
export type ExternalOpener = (url: string) => Promise<void>;
export type ExternalUrlPolicy = (url: URL) => boolean;

let opener: ExternalOpener | null = null;
let policy: ExternalUrlPolicy = () => false;

export function setExternalOpener(fn: ExternalOpener | null): void {
  opener = fn;
}

export function setExternalUrlPolicy(fn: ExternalUrlPolicy): void {
  policy = fn;
}

export type OpenResult = { opened: true } | { opened: false; reason: 'not-https' | 'not-allowed' | 'no-opener' | 'failed' };

export function parseExternalUrl(raw: string): URL | null {
  if (raw.length > 2048) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && !url.username && !url.password ? url : null;
  } catch {
    return null;
  }
}

export async function openExternal(raw: string): Promise<OpenResult> {
  const url = parseExternalUrl(raw);
  if (!url) return { opened: false, reason: 'not-https' };
  if (!policy(url)) return { opened: false, reason: 'not-allowed' };
  if (!opener) return { opened: false, reason: 'no-opener' };
  try {
    await opener(url.toString());
    return { opened: true };
  } catch {
    return { opened: false, reason: 'failed' };
  }
}
