import { appEventSchema, type AppEvent, type MethodName, type Params, type Result, type RpcError } from '../../shared/contract';

/**
 * The renderer's only way out: `call` and `on`. Inside Electron the preload provides them
 * (window.companion); in a browser they go over the loopback transport with the token from the URL.
 */
export interface CompanionBridge {
  call(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: RpcError }>;
  on(listener: (event: unknown) => void): () => void;
}

declare global {
  interface Window {
    companion?: CompanionBridge;
  }
}

export class RpcFailure extends Error {
  constructor(readonly error: RpcError) {
    super(error.message);
    this.name = 'RpcFailure';
  }
}

const TOKEN_KEY = 'nixos-companion-token';

function loopbackToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function loopbackBridge(): CompanionBridge {
  const token = loopbackToken();
  const listeners = new Set<(event: unknown) => void>();
  let socket: WebSocket | null = null;
  let retry = 250;
  const connect = () => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      retry = 250;
      for (const l of listeners) l({ topic: 'connection', state: 'open' });
    };
    ws.onmessage = (m) => {
      let event: unknown;
      try {
        event = JSON.parse(String(m.data));
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    };
    ws.onclose = () => {
      for (const l of listeners) l({ topic: 'connection', state: 'closed' });
      setTimeout(connect, (retry = Math.min(retry * 2, 5000)));
    };
  };
  connect();
  return {
    async call(method, params) {
      let res: Response;
      try {
        res = await fetch('/rpc', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ method, params }),
        });
      } catch (err) {
        return { ok: false, error: { code: 'network', message: 'The app’s background service cannot be reached. Is it still running?', detail: String(err) } };
      }
      if (res.status === 401) return { ok: false, error: { code: 'not-authorized', message: 'This page has no valid access token. Open the address that `npm run serve` printed.' } };
      return (await res.json()) as { ok: true; result: unknown } | { ok: false; error: RpcError };
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  void socket;
}

const bridge: CompanionBridge = window.companion ?? loopbackBridge();

export async function call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
  const response = await bridge.call(method, params);
  if (!response.ok) throw new RpcFailure(response.error);
  return response.result as Result<M>;
}

const eventListeners = new Set<(event: AppEvent) => void>();
let listening = false;

/** Every store listens; each event is validated once for all of them (a long build log is a million events). */
export function onEvent(listener: (event: AppEvent) => void): () => void {
  if (!listening) {
    listening = true;
    bridge.on((raw) => {
      const parsed = appEventSchema.safeParse(raw);
      if (parsed.success) for (const l of [...eventListeners]) l(parsed.data);
    });
  }
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

export function onConnection(listener: (state: 'open' | 'closed') => void): () => void {
  return bridge.on((raw) => {
    const e = raw as { topic?: string; state?: 'open' | 'closed' };
    if (e?.topic === 'connection' && e.state) listener(e.state);
  });
}

export function errorOf(err: unknown): RpcError {
  if (err instanceof RpcFailure) return err.error;
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}
