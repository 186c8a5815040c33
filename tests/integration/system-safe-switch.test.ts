import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SafeSwitchState } from '../../shared/contract';
import { testApp } from '../helpers/app';
import { addToConfig, makeSystemHost, type SystemHost } from '../fixtures/system-host';

let host: SystemHost;
let original: string;
let app: Awaited<ReturnType<typeof testApp>>;

async function until(pred: () => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  host = await makeSystemHost({ generations: 3 });
  original = readFileSync(host.configFile, 'utf8');
  process.env.NIXOS_COMPANION_HOST = host.hostFile;
  app = await testApp(host.host);
});
afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

describe('safe switch (local magic rollback) on a real profile', () => {
  it('nothing changed: says so and starts no trial (no activation, no countdown)', async () => {
    // the fixture's configuration builds exactly the running system
    writeFileSync(host.configFile, original);
    const activations = host.activations().length;
    const states: SafeSwitchState[] = [];
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'changed' && e.what === 'safe-switch') states.push(e.detail as SafeSwitchState);
    });
    const { jobId } = await app.call('system.safeSwitch', { timeoutSeconds: 10 });
    const done = await app.ctx.jobs.wait(jobId);
    off();
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ kept: false, reason: 'Nothing changed: your system is already this configuration.' });
    expect(states.some((s) => s.state === 'waiting')).toBe(false);
    expect(host.activations().length).toBe(activations);
    expect((await app.call('system.safeSwitch.status', {})).state).toBe('idle');
  });

  it('no answer before the timeout: the previous system is activated again, the boot default never moved', async () => {
    const before = { profile: readlinkSync(host.host.systemProfile), running: readlinkSync(host.host.currentSystem) };
    writeFileSync(host.configFile, addToConfig(original, '  users.motd = "trial";'));
    const states: SafeSwitchState[] = [];
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'changed' && e.what === 'safe-switch') states.push(e.detail as SafeSwitchState);
    });
    const { jobId } = await app.call('system.safeSwitch', { timeoutSeconds: 10 });
    await until(() => (app.ctx.jobs.get(jobId).status !== 'running') || states.some((s) => s.state === 'waiting'));
    // on trial: running the new system, boot default unchanged, the countdown told from the main process
    const trial = states.find((s) => s.state === 'waiting')!;
    expect(trial.secondsLeft).toBe(10);
    expect(readlinkSync(host.host.currentSystem)).toBe(trial.trial);
    expect(readlinkSync(host.host.systemProfile)).toBe(before.profile);
    expect((await app.call('system.safeSwitch.status', {})).state).toBe('waiting');
    const done = await app.ctx.jobs.wait(jobId);
    off();
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ kept: false });
    expect((done.result as { reason: string }).reason).toMatch(/No answer within 10 seconds/);
    // the countdown runs down from 10 to 0 (a loaded machine may merge two ticks into one)
    const seconds = states.filter((s) => s.state === 'waiting').map((s) => s.secondsLeft ?? -1);
    expect(seconds[0]).toBe(10);
    expect(seconds.at(-1)).toBe(0);
    expect(seconds.every((v, i) => i === 0 || v <= seconds[i - 1]!)).toBe(true);
    expect(new Set(seconds).size).toBeGreaterThanOrEqual(8);
    expect(readlinkSync(host.host.currentSystem)).toBe(before.running);
    expect(readlinkSync(host.host.systemProfile)).toBe(before.profile);
    expect(host.activations().slice(-2)).toEqual([`test ${trial.trial}`, `test ${before.running}`]);
    expect((await app.call('system.safeSwitch.status', {})).state).toBe('reverted');
  });

  it('Keep: the trial becomes the boot default (a new real generation)', async () => {
    writeFileSync(host.configFile, addToConfig(original, '  users.motd = "kept";'));
    const { jobId } = await app.call('system.safeSwitch', { timeoutSeconds: 60 });
    await until(() => app.ctx.jobs.get(jobId).phase === 'Keep this configuration?' || app.ctx.jobs.get(jobId).status !== 'running');
    const status = await app.call('system.safeSwitch.status', {});
    expect(status.state).toBe('waiting');
    const second = await app.callError('system.rebuild', { action: 'switch' });
    expect(second.code).toBe('busy');
    await app.call('system.safeSwitch.confirm', {});
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ kept: true, generation: 4, storePath: status.trial });
    expect(host.currentGeneration()).toBe(4);
    expect(host.generationPath(4)).toBe(status.trial);
    expect(host.activations().at(-1)).toBe(`boot ${status.trial}`);
    expect((await app.callError('system.safeSwitch.revert', {})).code).toBe('not-found');
  });

  it('Revert now: goes back at once', async () => {
    const running = readlinkSync(host.host.currentSystem);
    writeFileSync(host.configFile, addToConfig(original, '  users.motd = "reverted";'));
    const { jobId } = await app.call('system.safeSwitch', { timeoutSeconds: 60 });
    await until(() => app.ctx.jobs.get(jobId).phase === 'Keep this configuration?' || app.ctx.jobs.get(jobId).status !== 'running');
    await app.call('system.safeSwitch.revert', {});
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.result).toMatchObject({ kept: false });
    expect(readlinkSync(host.host.currentSystem)).toBe(running);
    expect(host.currentGeneration()).toBe(4);
  });
});
