import { app, type Session, type WebContents } from 'electron';
import { APP_ORIGIN, isAppUrl } from '../services/desktop/app-origin';

/**
 * Session-wide hardening: a strict CSP on every response of the app's origin, every permission
 * request and check denied, and for every web contents ever created: no navigation away from the
 * app, no new windows (links go to the system browser through the allow-list), no <webview>.
 */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!details.url.startsWith(`${APP_ORIGIN}/`)) {
      callback({ cancel: false });
      return;
    }
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [
          "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-src 'none'; frame-ancestors 'none'; form-action 'none'",
        ],
      },
    });
  });
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  // Nothing is downloaded through the window: downloads are jobs of the main process.
  session.on('will-download', (event) => event.preventDefault());
}

/**
 * Guards every web contents: the main window, the confirmation window and anything else that appears.
 * `openLink` is the app's one allow-listed way to the browser (services/desktop/external.ts).
 */
export function guardAllWebContents(openLink: (url: string) => void): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, openLink));
}

function guardWebContents(contents: WebContents, openLink: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    // In-page hash routes never fire will-navigate; anything that does would replace the app.
    event.preventDefault();
    if (!isAppUrl(url)) openLink(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openLink(url);
    return { action: 'deny' };
  });
}
