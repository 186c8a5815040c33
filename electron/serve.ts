/**
 * `npm run serve`: the whole app on 127.0.0.1 without Electron. Prints exactly one JSON line
 * {"url", "token"} on stdout when ready; everything else goes to stderr.
 */
import { createApp } from './app';
import { loadHost } from './host';
import { builtRendererDir } from './paths';
import { startLoopback } from './rpc/loopback';

function parsePort(argv: string[]): number {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--port='))?.slice(7);
  if (raw === undefined) return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535, not ${raw}`);
    process.exit(2);
  }
  return port;
}

async function main() {
  const host = loadHost();
  const app = await createApp(host);
  const server = await startLoopback({ router: app.router, events: app.ctx.events, rendererDir: builtRendererDir(), port: parsePort(process.argv.slice(2)) });
  process.stdout.write(`${JSON.stringify({ url: server.url, token: server.token })}\n`);
  console.error(`NixOS Companion is serving at ${server.url}/?token=${server.token}`);
  const stop = async () => {
    await server.close();
    await app.dispose();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
