import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { APP_SCHEME, resolveRendererFile } from '../services/desktop/app-origin';

/** Must run before `app.whenReady()`: app:// behaves like https (secure context, standard URL parsing). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Serves the built renderer from app://companion/, and nothing outside its folder. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = request.method === 'GET' ? resolveRendererFile(rendererDir, request.url) : null;
    if (!target) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(target.file);
      return new Response(body, { status: 200, headers: { 'content-type': target.contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
