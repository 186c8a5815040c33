import { readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SafeSwitchState } from '../../shared/contract';
import { testApp } from '../helpers/app';
import { makeWriteHost, type WriteHost } from './system-write-host';

let host: WriteHost;
let app: Awaited<ReturnType<typeof testApp>>;

async function until(pred: () => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  host = makeWriteHost();
  process.env.NIXOS_COMPANION_HOST = host.hostFile;
  app = await testApp(host.overrides);
});
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

describe('safe switch (local magic rollback) on a real profile', () => {
  it('no answer before the timeout: the previous system is activated again, the boot default never moved', async () => {
    const before = { profile: readlinkSync(host.profile), running: readlinkSync(host.currentSystem) };
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('trial'));
    const states: SafeSwitchState[] = [];
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'changed' && e.what === 'safe-switch') states.push(e.detail as SafeSwitchState);
    });
    const { jobId } = await app.call('system.safeSwitch', { timeoutSeconds: 10 });
    await until(() => (app.ctx.jobs.get(jobId).status !== 'running') || states.some((s) => s.state === 'waiting'));
    // on trial: running the new system, boot default unchanged, the countdown told from the main process
    const trial = states.find((s) => s.state === 'waiting')!;
    expect(trial.secondsLeft).toBe(10);
    expect(readlinkSync(host.currentSystem)).toBe(trial.trial);
    expect(readlinkSync(host.profile)).toBe(before.profile);
    expect((await app.call('system.safeSwitch.status', {})).state).toBe('waiting');
    const done = await app.ctx.jobs.wait(jobId);
    off();
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ kept: false });
    expect((done.result as { reason: string }).reason).toMatch(/No answer within 10 seconds/);
    const seconds = states.filter((s) => s.state === 'waiting').map((s) => s.secondsLeft);
    expect(seconds).toContain(5);
    expect(seconds).toContain(0);
    expect(readlinkSync(host.currentSystem)).toBe(before.running);
    expect(readlinkSync(host.profile)).toBe(before.profile);
    expect(host.activations().slice(-2)).toEqual([`test ${trial.trial}`, `test ${before.running}`]);
    expect((await app.call('system.safeSwitch.status', {})).state).toBe('reverted');
  });

  it('Keep: the trial becomes the boot default (a new real generation)', async () => {
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('kept'));
    const { jobId } = await app.call('system.safeSwitch', { timeoutSeconds: 60 });
    await until(() => app.ctx.jobs.get(jobId).phase === 'Keep this configuration?' || app.ctx.jobs.get(jobId).status !== 'running');
    const status = await app.call('system.safeSwitch.status', {});
    expect(status.state).toBe('waiting');
    const second = await app.callError('system.rebuild', { action: 'switch' });
    expect(second.code).toBe('busy');
    await app.call('system.safeSwitch.confirm', {});
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ kept: true, generation: 3, storePath: status.trial });
    expect(host.currentGeneration()).toBe(3);
    expect(readlinkSync(host.profile + '-3-link')).toBe(status.trial);
    expect(host.activations().at(-1)).toBe(`boot ${status.trial}`);
    expect((await app.callError('system.safeSwitch.revert', {})).code).toBe('not-found');
  });

  it('Revert now: goes back at once', async () => {
    const running = readlinkSync(host.currentSystem);
    writeFileSync(path.join(host.configDir, 'configuration.nix'), host.config('reverted'));
    const { jobId } = await app.call('system.safeSwitch', { timeoutSeconds: 60 });
    await until(() => app.ctx.jobs.get(jobId).phase === 'Keep this configuration?' || app.ctx.jobs.get(jobId).status !== 'running');
    await app.call('system.safeSwitch.revert', {});
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.result).toMatchObject({ kept: false });
    expect(readlinkSync(host.currentSystem)).toBe(running);
    expect(host.currentGeneration()).toBe(3);
  });
});
