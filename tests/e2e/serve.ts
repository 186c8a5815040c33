import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export interface Served {
  url: string;
  token: string;
  /** the address that opens the full app in a browser */
  appUrl: string;
  rpc<T = unknown>(method: string, params?: unknown): Promise<T>;
  stop(): Promise<void>;
  stderr: string[];
}

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Starts the real app exactly as `npm run serve` does (the built dist/electron/serve.mjs),
 * pointed at a host file, and waits for its one JSON line.
 */
export async function startServe(opts: { hostFile?: string; host?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  let hostFile = opts.hostFile;
  if (opts.host) {
    hostFile = path.join(root, 'test-results', `host-${process.pid}-${Date.now()}.json`);
    writeFileSync(hostFile, JSON.stringify(opts.host));
  }
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'dist/electron/serve.mjs')], {
    env: { ...process.env, ...opts.env, ...(hostFile ? { NIXOS_COMPANION_HOST: hostFile } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const first = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr.join('\n')}`)));
    setTimeout(() => reject(new Error(`serve did not start in time: ${stderr.join('\n')}`)), 30_000);
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  return {
    url,
    token,
    appUrl: `${url}/?token=${token}`,
    stderr,
    async rpc<T>(method: string, params: unknown = {}) {
      const res = await fetch(`${url}/rpc`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ method, params }) });
      const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
      if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
      return body.result as T;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
