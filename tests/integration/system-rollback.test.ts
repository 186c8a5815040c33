import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app';
import { makeSystemHost, type SystemHost } from '../fixtures/system-host';

/**
 * Rollback, switch to generation N and switch to a specialisation on the fixture host: a real nix
 * profile with real generations, the real root helper (direct: the tests are root), the toy
 * switch-to-configuration that records each activation in activation.log.
 */

let host: SystemHost;
let app: Awaited<ReturnType<typeof testApp>>;

/** what someone does in a terminal while the app shows its preview */
const behindTheAppsBack = (args: string[]) => execFileSync('nix-env', ['-p', host.host.systemProfile, ...args], { env: process.env, stdio: 'pipe' });

beforeAll(async () => {
  // three real generations: 24.05 (kernel 6.6.56), 24.11 .710315 (6.6.63), 24.11 .711521 (6.6.64, current and running)
  host = await makeSystemHost({ generations: 3 });
  process.env.NIXOS_COMPANION_HOST = host.hostFile;
  app = await testApp(host.host);
});
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

const versionOf = (n: number) => readFileSync(path.join(host.generationPath(n), 'nixos-version'), 'utf8').trim();

describe('rollback and switch to generation N on a real profile', () => {
  it('previews the kernel change of a generation, and names the generations an action will act on', async () => {
    const p = await app.call('system.activationPreview', { generation: 1 });
    expect(p.kernel).toEqual({ running: '6.6.64', target: '6.6.56', changes: true });
    expect(p.nixosVersion).toEqual({ running: versionOf(3), target: versionOf(1) });
    expect(p.nixosVersion.target).toMatch(/^24\.05\./);
    expect(p.isRunning).toBe(false);
    expect(p.current).toBe(3);
    expect(p.rollbackTarget).toBe(2);
    expect(p.runningStorePath).toBe(realpathSync(host.host.currentSystem));
  });

  it('a preview that went stale is refused: the profile moved behind the app’s back, nothing is activated', async () => {
    const preview = await app.call('system.activationPreview', { generation: 2 });
    expect(preview).toMatchObject({ current: 3, rollbackTarget: 2 });
    const activations = host.activations().length;
    behindTheAppsBack(['--switch-generation', '2']);
    try {
      const moved = 'The system changed since you looked: generation 2 is now current. Look again.';
      const refused = await app.callError('system.rollback', { target: preview.rollbackTarget!, expectedCurrent: preview.current! });
      expect(refused).toMatchObject({ code: 'conflict', message: moved });
      expect((await app.callError('system.switchGeneration', { generation: 1, expectedCurrent: preview.current })).message).toBe(moved);
      // and the root helper refuses on its own, whatever the app checked before
      await expect(app.ctx.privileged.run('rollback', { target: 2, expectedCurrent: 3 })).rejects.toMatchObject({ code: 'conflict', message: moved });
      await expect(app.ctx.privileged.run('switch-generation', { generation: 1, expectedCurrent: 3 })).rejects.toMatchObject({ code: 'conflict', message: moved });
      expect(host.currentGeneration()).toBe(2);
      expect(readlinkSync(host.host.currentSystem)).toBe(host.generationPath(3));
      expect(host.activations().length).toBe(activations);
    } finally {
      behindTheAppsBack(['--switch-generation', '3']);
    }
  });

  it('a rollback whose target moved (its generation deleted meanwhile) is refused too', async () => {
    // generation 2 deleted behind the app's back, then made again from the same system: now 4, and 3 is still current
    const preview = await app.call('system.activationPreview', { generation: 2 });
    const store2 = host.generationPath(2);
    behindTheAppsBack(['--delete-generations', '2']);
    behindTheAppsBack(['--set', store2]);
    behindTheAppsBack(['--switch-generation', '3']);
    const activations = host.activations().length;
    const refused = await app.callError('system.rollback', { target: preview.rollbackTarget!, expectedCurrent: preview.current! });
    expect(refused).toMatchObject({ code: 'conflict', message: 'The system changed since you looked: a rollback now goes to generation 1, not 2. Look again.' });
    await expect(app.ctx.privileged.run('rollback', { target: 2, expectedCurrent: 3 })).rejects.toMatchObject({ code: 'conflict' });
    expect(host.activations().length).toBe(activations);
    expect(host.currentGeneration()).toBe(3);
    // the next look shows the new target, and acting on it works
    expect((await app.call('system.activationPreview', { generation: 1 })).rollbackTarget).toBe(1);
    behindTheAppsBack(['--delete-generations', '4']);
  });

  it('rollback from the window: the numbers of the preview, then switch-to-configuration switch', async () => {
    const preview = await app.call('system.activationPreview', { generation: 1 });
    expect(preview).toMatchObject({ current: 3, rollbackTarget: 1 });
    const target = host.generationPath(1);
    const { jobId } = await app.call('system.rollback', { target: preview.rollbackTarget!, expectedCurrent: preview.current! });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.error).toBeUndefined();
    expect(done.result).toMatchObject({ generation: 1, storePath: target, action: 'switch', kernel: { changes: true }, specialisation: null });
    expect(host.currentGeneration()).toBe(1);
    expect(readlinkSync(host.host.currentSystem)).toBe(target);
    expect(host.activations().at(-1)).toBe(`switch ${target}`);
    const log = app.ctx.jobs.log(jobId, 0, 1000).lines.map((l) => l.text);
    expect(log).toContain('activating the configuration...');
    expect(log.some((l) => /restart the computer/.test(l))).toBe(true);
  });

  it('switch to generation N: nix-env --switch-generation N, then activation', async () => {
    const { jobId } = await app.call('system.switchGeneration', { generation: 3, expectedCurrent: 1 });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    expect(host.currentGeneration()).toBe(3);
    expect(readlinkSync(host.host.currentSystem)).toBe(host.generationPath(3));
    expect(host.activations().at(-1)).toBe(`switch ${host.generationPath(3)}`);
  });

  it('refuses a generation that does not exist, in the service and again as root in the helper', async () => {
    const err = await app.callError('system.switchGeneration', { generation: 99, expectedCurrent: 3 });
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/Generation 99 does not exist/);
    await expect(app.ctx.privileged.run('switch-generation', { generation: 99, expectedCurrent: 3 })).rejects.toMatchObject({ code: 'not-found' });
    await expect(app.ctx.privileged.run('switch-generation', { generation: '3; rm -rf /' as never, expectedCurrent: 3 })).rejects.toMatchObject({ code: 'refused' });
    await expect(app.ctx.privileged.run('switch-generation', { generation: 3, expectedCurrent: 3, specialisation: '../../..' })).rejects.toMatchObject({ code: 'refused' });
    // an action that does not say which generation it expects is not taken
    await expect(app.ctx.privileged.run('rollback', {} as never)).rejects.toMatchObject({ code: 'refused' });
    expect((await app.callError('system.rollback', {})).code).toBe('invalid-params');
    expect(host.currentGeneration()).toBe(3);
    expect((await app.callError('system.switchGeneration', { generation: 1.5, expectedCurrent: 3 })).code).toBe('invalid-params');
  });

  it('rollback is refused when there is nothing older', async () => {
    await app.ctx.jobs.wait((await app.call('system.switchGeneration', { generation: 1, expectedCurrent: 3 })).jobId);
    const activations = host.activations().length;
    const preview = await app.call('system.activationPreview', { generation: 1 });
    expect(preview.rollbackTarget).toBeNull();
    const err = await app.callError('system.rollback', { target: 1, expectedCurrent: 1 });
    expect(err.code).toBe('not-found');
    expect(host.currentGeneration()).toBe(1);
    expect(host.activations().length).toBe(activations);
    await app.ctx.jobs.wait((await app.call('system.switchGeneration', { generation: 3, expectedCurrent: 1 })).jobId);
  });
});

describe('a running specialisation', () => {
  let spec: SystemHost;
  let specApp: Awaited<ReturnType<typeof testApp>>;
  const specialisationOf = (n: number) => realpathSync(path.join(spec.generationPath(n), 'specialisation/on-the-go'));

  beforeAll(async () => {
    // generations 2 and 3 have the specialisation on-the-go; the machine booted 3, then switched to 2's on-the-go
    spec = await makeSystemHost({ generations: 3, running: 2, runningSpecialisation: 'on-the-go' });
    process.env.NIXOS_COMPANION_HOST = spec.hostFile;
    specApp = await testApp(spec.host);
  });
  afterAll(async () => {
    process.env.NIXOS_COMPANION_HOST = host.hostFile;
    await specApp?.dispose();
  });

  it('is its generation: running, with the specialisation named', async () => {
    expect(realpathSync(spec.host.currentSystem)).toBe(specialisationOf(2));
    const list = await specApp.call('system.generations', {});
    expect(list.running).toBe(2);
    const byNumber = new Map(list.generations.map((g) => [g.generation, g]));
    expect(byNumber.get(2)).toMatchObject({ running: true, runningSpecialisation: 'on-the-go', booted: false, current: false });
    expect(byNumber.get(3)).toMatchObject({ running: false, runningSpecialisation: null, booted: true, current: true });
    expect(byNumber.get(1)).toMatchObject({ running: false, booted: false });
    // the tray says so too
    const menu = await specApp.call('tray.menu', {});
    expect(menu.items).toContainEqual(expect.objectContaining({ id: 'system-running', label: 'Running generation 2; generation 3 starts at the next boot' }));
  });

  it('is never deleted by a cleanup: not in the preview, and refused as root', async () => {
    const preview = await specApp.call('system.deleteGenerations', { keepNewest: 1, dryRun: true });
    expect(preview.generations).toEqual([1]);
    expect(preview.protected).toContainEqual({ generation: 2, reasons: ['running'] });
    const refused = await specApp.callError('system.deleteGenerations', { generations: [2], dryRun: false });
    expect(refused).toMatchObject({ code: 'refused', message: expect.stringMatching(/^Generation 2 cannot be deleted: it is running now\./) });
    await expect(specApp.ctx.privileged.run('delete-generations', { generations: [2] })).rejects.toMatchObject({ code: 'refused', message: expect.stringMatching(/Generation 2 is running now and is never deleted/) });
    expect(readlinkSync(`${spec.host.systemProfile}-2-link`)).toBe(spec.generationPath(2));
  });

  it('its toplevel is not a package in a diff (nix store diff-closures lists it)', async () => {
    const peer = execFileSync('nix', ['store', 'diff-closures', spec.generationPath(1), spec.generationPath(2)], { env: process.env, encoding: 'utf8' });
    expect(peer).toMatch(/^nixos-system-nixbox-on-the-go: ∅ → /m);
    const diff = await specApp.call('system.diff', { from: 1, to: 2 });
    expect(diff.changes.map((c) => c.name)).not.toContain('nixos-system-nixbox-on-the-go');
    expect(diff.changes.find((c) => c.name === 'nixos-system-nixbox')).toMatchObject({ highlight: 'nixos' });
    expect(diff.changes.find((c) => c.name === 'ripgrep')).toMatchObject({ kind: 'added' });
  });

  it('switch to specialisation X: its own switch-to-configuration switch, the profile unchanged', async () => {
    const preview = await specApp.call('system.activationPreview', { generation: 3, specialisation: 'on-the-go' });
    expect(preview).toMatchObject({ generation: 3, specialisation: 'on-the-go', storePath: specialisationOf(3), current: 3, isRunning: false });
    const { jobId } = await specApp.call('system.switchSpecialisation', { generation: 3, specialisation: 'on-the-go', expectedCurrent: preview.current });
    const done = await specApp.ctx.jobs.wait(jobId);
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ title: 'Switch to specialisation on-the-go of generation 3', result: { generation: 3, storePath: specialisationOf(3), specialisation: 'on-the-go' } });
    expect(spec.activations().at(-1)).toBe(`switch ${specialisationOf(3)}`);
    expect(realpathSync(spec.host.currentSystem)).toBe(specialisationOf(3));
    expect(spec.currentGeneration()).toBe(3);
    expect(existsSync(`${spec.host.systemProfile}-4-link`)).toBe(false);
  });

  it('refuses a specialisation a generation does not have, and one whose preview went stale', async () => {
    expect((await specApp.callError('system.switchSpecialisation', { generation: 1, specialisation: 'on-the-go', expectedCurrent: 3 })).message).toBe('Generation 1 has no specialisation called "on-the-go".');
    await expect(specApp.ctx.privileged.run('switch-generation', { generation: 1, expectedCurrent: 3, specialisation: 'on-the-go' })).rejects.toMatchObject({ code: 'not-found' });
    expect((await specApp.callError('system.switchSpecialisation', { generation: 2, specialisation: 'on-the-go', expectedCurrent: 2 })).code).toBe('conflict');
    expect((await specApp.callError('system.switchSpecialisation', { generation: 2, specialisation: 'on the go', expectedCurrent: 3 })).code).toBe('invalid-params');
  });
});
