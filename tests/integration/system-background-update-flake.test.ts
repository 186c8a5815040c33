import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { UpdateStatus } from '../../shared/contract';
import { desktopOf } from '../../electron/services/desktop/desktop';
import type { HostOverrides } from '../../electron/host';
import { tempDir, testApp } from '../helpers/app';

/** tests/fixtures/make-host.mjs, typed for what this test uses (the fixture ships no declarations) */
const { makeHost } = (await import(new URL('../fixtures/make-host.mjs', import.meta.url).href)) as {
  makeHost(dir: string, opts: { generations?: number; flake?: boolean }): Promise<{ dir: string; hostFile: string; host: HostOverrides & Record<string, string> }>;
};
const releases = JSON.parse(readFileSync(new URL('../fixtures/nix/releases.json', import.meta.url), 'utf8')) as {
  releases: Record<string, { release: string; flakeSuffix: string; revision: string; kernel: string }>;
};

/**
 * A flake configuration's update prepared in the background: the flake's nixpkgs input (the fixture's
 * toy nixpkgs at path:<host>/srv/nixpkgs) moves to the next release; the check runs `nix flake update` on
 * a copy, the build overrides the input for itself, flake.lock stays as it is until the yes, and then
 * the new lock is written and exactly the prepared system is switched to.
 */

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

it('prepares a flake update without writing flake.lock, and applies it after a yes', async () => {
  const made = await makeHost(path.join(tempDir('nc-bgupdate-flake-'), 'host'), { generations: 2, flake: true });
  const dir = made.dir;
  // the input's next release: the toy nixpkgs of r4
  const srv = path.join(dir, 'srv/nixpkgs');
  const r4 = releases.releases.r4!;
  writeFileSync(path.join(srv, 'release.json'), JSON.stringify({ id: 'r4' }) + '\n');
  writeFileSync(path.join(srv, '.version-suffix'), '.712431.cbd8ec4de446');
  writeFileSync(path.join(srv, '.git-revision'), r4.revision);
  const power = path.join(dir, 'sys/class/power_supply/AC');
  mkdirSync(power, { recursive: true });
  writeFileSync(path.join(power, 'type'), 'Mains\n');
  writeFileSync(path.join(power, 'online'), '1\n');
  const host = { ...made.host, powerSupplyDir: path.dirname(power), updateCheckEverySeconds: 1 };
  writeFileSync(made.hostFile, JSON.stringify(host, null, 2));
  process.env.NIXOS_COMPANION_HOST = made.hostFile;
  app = await testApp(host as HostOverrides);
  const notices: string[] = [];
  desktopOf(app.ctx).attachShell({ tray: { available: true, reason: null }, isWindowFocused: () => false, notify: (n) => notices.push(n.body), showConfirmation: () => {} });
  const lockFile = path.join(host.nixosConfigDir!, 'flake.lock');
  const lockBefore = sha(lockFile);
  const running = realpathSync(host.currentSystem!);

  await app.call('desktop.settings.set', { backgroundUpdates: true });
  let ready: UpdateStatus['ready'] = null;
  for (const end = Date.now() + 100_000; !ready; ) {
    const s = await app.call('system.updates.status', {});
    if (s.lastCheck?.outcome === 'failed') throw new Error(s.lastCheck.message);
    ready = s.ready;
    if (Date.now() > end) throw new Error('no update was prepared');
    if (!ready) await new Promise((r) => setTimeout(r, 250));
  }
  expect(ready.kind).toBe('flake');
  expect(ready.inputs.map((i) => i.name)).toEqual(['nixpkgs']);
  expect(ready.headline).toMatch(new RegExp(`kernel 6\\.6\\.64 → ${r4.kernel.replaceAll('.', '\\.')}$`));
  expect(ready.storePath).toMatch(new RegExp(`-nixos-system-nixbox-${r4.release}${r4.flakeSuffix.replaceAll('.', '\\.')}$`));
  // prepared, not applied: the lock and the running system are untouched
  expect(sha(lockFile)).toBe(lockBefore);
  expect(realpathSync(host.currentSystem!)).toBe(running);
  expect(notices).toHaveLength(1);

  await app.call('desktop.settings.set', { backgroundUpdates: false });
  for (let s = await app.call('system.updates.status', {}); s.runningJobId; s = await app.call('system.updates.status', {})) await new Promise((r) => setTimeout(r, 200));
  const { confirmationId } = await app.call('desktop.action.request', { action: { kind: 'update', id: ready.id, action: 'switch' } });
  const confirmation = await app.call('desktop.confirmation.get', { id: confirmationId });
  expect(confirmation.summary).toMatch(/^flake\.lock is written first \(nixpkgs /);
  const { jobId } = await app.call('desktop.confirmation.answer', { id: confirmationId, accept: true });
  const job = await app.ctx.jobs.wait(jobId!);
  expect(job.status, `${JSON.stringify(job.error)}\n${app.ctx.jobs.log(jobId!, 0, 400).lines.map((l) => l.text).join('\n')}`).toBe('done');
  expect(sha(lockFile)).not.toBe(lockBefore);
  expect(readFileSync(path.join(dir, 'activation.log'), 'utf8').trim().split('\n')).toEqual([`switch ${ready.storePath}`]);
  expect(realpathSync(host.currentSystem!)).toBe(ready.storePath);
  expect(existsSync(path.join(host.stateDir!, 'update-ready'))).toBe(false);
});
