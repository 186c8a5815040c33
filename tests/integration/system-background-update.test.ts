import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, UpdateStatus } from '../../shared/contract';
import { desktopOf } from '../../electron/services/desktop/desktop';
import type { JobNotice } from '../../electron/services/desktop/notifier';
import type { HostOverrides } from '../../electron/host';
import { tempDir, testApp } from '../helpers/app';

/** tests/fixtures/make-host.mjs, typed for what this test uses (the fixture ships no declarations) */
const { makeHost } = (await import(new URL('../fixtures/make-host.mjs', import.meta.url).href)) as {
  makeHost(dir: string, opts: { generations?: number }): Promise<{ dir: string; hostFile: string; host: HostOverrides & Record<string, unknown> }>;
};
const releases = JSON.parse(readFileSync(new URL('../fixtures/nix/releases.json', import.meta.url), 'utf8')) as {
  releases: Record<string, { channel: string; release: string; suffix: string; kernel: string }>;
  channelServer: Record<string, string>;
};

/**
 * Updates prepared in the background, on the fixture NixOS host (real nix, real channel profile, the
 * real root helper in `direct` mode, the stand-in nixos-rebuild). A channel server on 127.0.0.1 serves
 * the fixture's next 24.11 release the way channels.nixos.org does (the channel redirects to the
 * release, whose folder has nixexprs.tar.xz). The schedule runs every second (updateCheckEverySeconds),
 * and /sys/class/power_supply is a folder tree the test writes.
 */

const next = releases.releases[releases.channelServer['nixos-24.11']!]!;
const nextRelease = `${next.channel}.${next.suffix.replace(/^\./, '')}`;

let server: http.Server;
let base: string;
let requests: string[] = [];
/**
 * Each fixture host has its own channel server folder, under /<name>/: a toy channel knows its host (its
 * switch-to-configuration logs there), and Nix caches a download by its address.
 */
const srvDirs = new Map<string, string>();

async function serve() {
  server = http.createServer((req, res) => {
    const full = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${full.pathname}`);
    const [, name = '', rest = ''] = /^\/([a-z]+)(\/.*)$/.exec(full.pathname) ?? [];
    const srvDir = srvDirs.get(name);
    if (!srvDir) return res.writeHead(404).end('not here');
    const url = { pathname: rest };
    if (url.pathname === '/nixos-24.11') return res.writeHead(302, { location: `${base}/${name}/releases/nixos/24.11/${nextRelease}` }).end();
    if (url.pathname === `/releases/nixos/24.11/${nextRelease}/nixexprs.tar.xz`) {
      const body = readFileSync(path.join(srvDir, 'channels/nixos-24.11/nixexprs.tar.xz'));
      return res.writeHead(200, { 'content-type': 'application/x-xz', 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body);
    }
    if (url.pathname === `/releases/nixos/24.11/${nextRelease}`) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Fixture {
  dir: string;
  host: Record<string, string>;
  app: Awaited<ReturnType<typeof testApp>>;
  events: AppEvent[];
  notices: JobNotice[];
}

/** The laptop's power: a charger and a battery, as the kernel lists them. */
function power(dir: string, onMains: boolean) {
  const root = path.join(dir, 'sys/class/power_supply');
  for (const [name, files] of Object.entries({
    AC: { type: 'Mains', online: onMains ? '1' : '0' },
    BAT0: { type: 'Battery', status: onMains ? 'Charging' : 'Discharging', capacity: '64' },
  })) {
    mkdirSync(path.join(root, name), { recursive: true });
    for (const [file, value] of Object.entries(files)) writeFileSync(path.join(root, name, file), `${value}\n`);
  }
  return root;
}

async function fixture(name: string, onMains: boolean): Promise<Fixture> {
  const made = await makeHost(path.join(tempDir(`nc-bgupdate-${name}-`), 'host'), { generations: 2 });
  const host = {
    ...made.host,
    allowHttpLoopbackChannels: true,
    powerSupplyDir: power(made.dir, onMains),
    updateCheckEverySeconds: 1,
  } as unknown as Record<string, string>;
  writeFileSync(made.hostFile, JSON.stringify(host, null, 2));
  srvDirs.set(name, path.join(made.dir, 'srv'));
  // root's channel list follows the local channel server (the fixture's says nixos.org)
  writeFileSync(path.join(made.dir, 'root/.nix-channels'), `${base}/${name}/nixos-24.11 nixos\n`);
  // the root helper (a separate process, as under pkexec) reads the host from here, like the app
  process.env.NIXOS_COMPANION_HOST = made.hostFile;
  const app = await testApp(host as HostOverrides);
  const events: AppEvent[] = [];
  const notices: JobNotice[] = [];
  app.ctx.events.on((e) => events.push(e));
  desktopOf(app.ctx).attachShell({ tray: { available: true, reason: null }, isWindowFocused: () => false, notify: (n) => notices.push(n), showConfirmation: () => {} });
  return { dir: made.dir, host, app, events, notices };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 110_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const status = (f: Fixture) => f.app.call('system.updates.status', {});
const activationLog = (f: Fixture) => (existsSync(path.join(f.dir, 'activation.log')) ? readFileSync(path.join(f.dir, 'activation.log'), 'utf8').split('\n').filter(Boolean) : []);
const rootChannel = (f: Fixture) => realpathSync(path.join(f.host.rootChannelsDir!, 'nixos'));
const channelVersion = (f: Fixture) => readFileSync(path.join(f.host.rootChannelsDir!, 'nixos/.version'), 'utf8') + readFileSync(path.join(f.host.rootChannelsDir!, 'nixos/.version-suffix'), 'utf8');

/** Yes to applying it, through the same confirmation the tray uses; returns the job's result. */
async function applyWithYes(f: Fixture, id: string, action: 'switch' | 'boot') {
  const { confirmationId } = await f.app.call('desktop.action.request', { action: { kind: 'update', id, action } });
  const confirmation = await f.app.call('desktop.confirmation.get', { id: confirmationId });
  expect(confirmation.method).toBe('system.updates.apply');
  expect(confirmation.diff.lines.length).toBeGreaterThan(0);
  const answer = await f.app.call('desktop.confirmation.answer', { id: confirmationId, accept: true });
  const job = await f.app.ctx.jobs.wait(answer.jobId!);
  expect(job.status, `${JSON.stringify(job.error)}\n${f.app.ctx.jobs.log(answer.jobId!, 0, 400).lines.map((l) => l.text).join('\n')}`).toBe('done');
  return job.result as { action: string; storePath: string; generation: number | null };
}

/** Turn the schedule off and wait for a running check to end, so the apply job finds the system free. */
async function stopSchedule(f: Fixture) {
  await f.app.call('desktop.settings.set', { backgroundUpdates: false });
  await until('the running check to end', async () => (await status(f)).runningJobId === null);
}

const fixtures: Fixture[] = [];
beforeAll(async () => {
  await serve();
});
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  for (const f of fixtures) await f.app.dispose();
  server?.close();
});

describe('background updates (channel system)', () => {
  let f: Fixture;
  let ready: NonNullable<UpdateStatus['ready']>;
  let channelBefore: string;
  let runningBefore: string;

  it('off by default: nothing is checked', async () => {
    f = await fixture('a', false);
    fixtures.push(f);
    channelBefore = rootChannel(f);
    runningBefore = realpathSync(f.host.currentSystem!);
    const s = await status(f);
    expect(s).toMatchObject({ enabled: false, schedule: 'daily', ready: null, nextCheckAt: null });
  });

  it('on battery, the schedule builds nothing and says why', async () => {
    requests = [];
    await f.app.call('desktop.settings.set', { backgroundUpdates: true });
    const s = await until('a skipped check', async () => {
      const st = await status(f);
      return st.lastCheck ? st : null;
    }, 20_000);
    expect(s.lastCheck).toMatchObject({ outcome: 'skipped' });
    expect(s.lastCheck!.message).toMatch(/battery/);
    expect(s.ready).toBeNull();
    // not even asked the channel server: nothing was fetched, so nothing can have been built
    expect(requests).toEqual([]);
    expect(existsSync(path.join(f.host.stateDir!, 'update-ready'))).toBe(false);
  });

  it('on mains power, it builds the new release without activating it, keeps it as a GC root, and tells', async () => {
    power(f.dir, true);
    const s = await until('an update to be ready', async () => {
      const st = await status(f);
      if (st.lastCheck?.outcome === 'failed') throw new Error(st.lastCheck.message);
      return st.ready ? st : null;
    });
    ready = s.ready!;
    expect(ready.kind).toBe('channel');
    expect(ready.headline).toMatch(new RegExp(`^An update is ready: \\d+ packages change, kernel 6\\.6\\.64 → ${next.kernel.replaceAll('.', '\\.')}$`));
    expect(ready.nixosVersion.to).toBe(`${next.release}${next.suffix}`);
    expect(ready.channels).toEqual([{ name: 'nixos', from: expect.stringMatching(/^24\.11\./), to: `${next.release}${next.suffix}` }]);
    expect(ready.changes.some((c) => c.name.startsWith('nixos-system-'))).toBe(false);
    expect(ready.changes.map((c) => c.name)).toContain('firefox');
    // built, and kept from garbage collection by an indirect root in the app's state folder
    expect(ready.storePath).toMatch(new RegExp(`^/nix/store/[0-9a-z]{32}-nixos-system-nixbox-${next.release}${next.suffix.replaceAll('.', '\\.')}$`));
    expect(readlinkSync(path.join(f.host.stateDir!, 'update-ready'))).toBe(ready.storePath);
    // nothing changed on the system: root's channel, the running system, the profile, no activation
    expect(rootChannel(f)).toBe(channelBefore);
    expect(realpathSync(f.host.currentSystem!)).toBe(runningBefore);
    expect(realpathSync(f.host.systemProfile!)).toBe(runningBefore);
    expect(activationLog(f)).toEqual([]);
    // the notification, and the event every window hears
    expect(f.notices).toEqual([expect.objectContaining({ title: 'An update is ready', body: expect.stringContaining('kernel 6.6.64 →'), route: '#/system' })]);
    expect(f.events).toContainEqual(expect.objectContaining({ topic: 'changed', what: 'updates', detail: { outcome: 'ready' } }));
    // the build ran at low priority
    const jobId = f.notices[0]!.jobId;
    const log = f.app.ctx.jobs.log(jobId, 0, 2000).lines.map((l) => l.text).join('\n');
    expect(log).toMatch(/^nice -n 19 ionice -c3 \S+\/nixos-rebuild build -I nixpkgs=\/nix\/store\/\S+ -I nixos=/m);
    // the tray offers it
    const menu = await f.app.call('tray.menu', {});
    const item = menu.items.find((e) => e.type === 'submenu' && e.id === 'update');
    expect(item).toMatchObject({ label: 'Update ready…', items: [expect.objectContaining({ label: ready.headline }), expect.objectContaining({ action: { kind: 'update', id: ready.id, action: 'switch' } }), expect.objectContaining({ action: { kind: 'update', id: ready.id, action: 'boot' } })] });
  });

  it('the next scheduled checks keep the same update (same id) instead of building another', async () => {
    const before = f.events.filter((e) => e.topic === 'job' && e.kind === 'done' && e.method === 'system.updates.check').length;
    await until('another check', async () => f.events.filter((e) => e.topic === 'job' && e.kind === 'done' && e.method === 'system.updates.check').length > before, 60_000);
    expect((await status(f)).ready?.id).toBe(ready.id);
    expect(f.notices).toHaveLength(1);
  });

  it('dismiss removes the GC root and forgets it', async () => {
    await stopSchedule(f);
    expect(await f.app.call('system.updates.dismiss', { id: ready.id })).toEqual({ dismissed: true });
    expect(existsSync(path.join(f.host.stateDir!, 'update-ready'))).toBe(false);
    expect((await status(f)).ready).toBeNull();
    const menu = await f.app.call('tray.menu', {});
    expect(menu.items.some((e) => e.type === 'submenu' && e.id === 'update')).toBe(false);
  });

  it('applied at once only after a yes: channels updated, then exactly the built system switched to', async () => {
    await f.app.call('desktop.settings.set', { backgroundUpdates: true });
    const s = await until('the update to be ready again', async () => ((await status(f)).ready ? status(f) : null));
    const again = s.ready!;
    expect(again.storePath).toBe(ready.storePath);
    await stopSchedule(f);
    // a no is a no: nothing changes
    const { confirmationId } = await f.app.call('desktop.action.request', { action: { kind: 'update', id: again.id, action: 'switch' } });
    expect(await f.app.call('desktop.confirmation.answer', { id: confirmationId, accept: false })).toEqual({ started: false, jobId: null });
    expect(activationLog(f)).toEqual([]);
    expect(rootChannel(f)).toBe(channelBefore);

    const result = await applyWithYes(f, again.id, 'switch');
    expect(result).toMatchObject({ action: 'switch', storePath: again.storePath, generation: 3 });
    expect(activationLog(f)).toEqual([`switch ${again.storePath}`]);
    expect(realpathSync(f.host.currentSystem!)).toBe(again.storePath);
    expect(realpathSync(f.host.systemProfile!)).toBe(again.storePath);
    expect(channelVersion(f)).toBe(`${next.release}${next.suffix}`);
    expect(existsSync(path.join(f.host.stateDir!, 'update-ready'))).toBe(false);
    expect((await status(f)).ready).toBeNull();
  });
});

describe('background updates: apply at the next boot', () => {
  it('makes it the boot default and leaves the running system alone', async () => {
    const f = await fixture('b', true);
    fixtures.push(f);
    const running = realpathSync(f.host.currentSystem!);
    await f.app.call('desktop.settings.set', { backgroundUpdates: true, updateSchedule: 'weekly' });
    const s = await until('an update to be ready', async () => {
      const st = await status(f);
      if (st.lastCheck?.outcome === 'failed') throw new Error(st.lastCheck.message);
      return st.ready ? st : null;
    });
    await stopSchedule(f);
    const ready = s.ready!;
    const result = await applyWithYes(f, ready.id, 'boot');
    expect(result).toMatchObject({ action: 'boot', storePath: ready.storePath });
    expect(activationLog(f)).toEqual([`boot ${ready.storePath}`]);
    expect(realpathSync(f.host.systemProfile!)).toBe(ready.storePath);
    expect(realpathSync(f.host.currentSystem!)).toBe(running);
    expect(existsSync(path.join(f.host.stateDir!, 'update-ready'))).toBe(false);
  });

  it('refuses an update that is no longer the one waiting', async () => {
    const f = fixtures.at(-1)!;
    const { jobId } = await f.app.call('system.updates.apply', { id: '0123456789abcdef', action: 'switch' });
    const job = await f.app.ctx.jobs.wait(jobId);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/no longer waiting/);
  });
});
