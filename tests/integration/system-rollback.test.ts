import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app';
import { makeSystemHost, type SystemHost } from '../fixtures/system-host';

let host: SystemHost;
let app: Awaited<ReturnType<typeof testApp>>;

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
  it('previews the kernel change of a generation before activating it', async () => {
    const p = await app.call('system.activationPreview', { generation: 1 });
    expect(p.kernel).toEqual({ running: '6.6.64', target: '6.6.56', changes: true });
    expect(p.nixosVersion).toEqual({ running: versionOf(3), target: versionOf(1) });
    expect(p.nixosVersion.target).toMatch(/^24\.05\./);
    expect(p.isRunning).toBe(false);
    expect(p.current).toBe(3);
    expect(p.rollbackTarget).toBe(2);
    expect(p.runningStorePath).toBe(realpathSync(host.host.currentSystem));
  });

  it('rollback: nix-env --rollback, then switch-to-configuration switch', async () => {
    const target = host.generationPath(2);
    const { jobId } = await app.call('system.rollback', {});
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.error).toBeUndefined();
    expect(done.result).toMatchObject({ generation: 2, storePath: target, action: 'switch', kernel: { changes: true } });
    expect(host.currentGeneration()).toBe(2);
    expect(readlinkSync(host.host.currentSystem)).toBe(target);
    expect(host.activations().at(-1)).toBe(`switch ${target}`);
    const log = app.ctx.jobs.log(jobId, 0, 1000).lines.map((l) => l.text);
    expect(log).toContain('activating the configuration...');
    expect(log.some((l) => /restart the computer/.test(l))).toBe(true);
  });

  it('switch to generation N: nix-env --switch-generation N, then activation', async () => {
    const target = host.generationPath(1);
    const { jobId } = await app.call('system.switchGeneration', { generation: 1 });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    expect(host.currentGeneration()).toBe(1);
    expect(readlinkSync(host.host.currentSystem)).toBe(target);
    expect(host.activations().at(-1)).toBe(`switch ${target}`);
    // and back to the newest
    const back = await app.ctx.jobs.wait((await app.call('system.switchGeneration', { generation: 3 })).jobId);
    expect(back.status).toBe('done');
    expect(host.currentGeneration()).toBe(3);
    expect(readlinkSync(host.host.currentSystem)).toBe(host.generationPath(3));
  });

  it('refuses a generation that does not exist, in the service and again as root in the helper', async () => {
    const err = await app.callError('system.switchGeneration', { generation: 99 });
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/Generation 99 does not exist/);
    await expect(app.ctx.privileged.run('switch-generation', { generation: 99 })).rejects.toMatchObject({ code: 'not-found' });
    await expect(app.ctx.privileged.run('switch-generation', { generation: '3; rm -rf /' })).rejects.toMatchObject({ code: 'refused' });
    expect(host.currentGeneration()).toBe(3);
    expect((await app.callError('system.switchGeneration', { generation: 1.5 })).code).toBe('invalid-params');
  });

  it('rollback is refused when there is nothing older', async () => {
    await app.ctx.jobs.wait((await app.call('system.switchGeneration', { generation: 1 })).jobId);
    const activations = host.activations().length;
    const err = await app.callError('system.rollback', {});
    expect(err.code).toBe('not-found');
    expect(host.currentGeneration()).toBe(1);
    expect(host.activations().length).toBe(activations);
  });
});
