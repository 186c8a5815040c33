import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, TrayLeaf, TrayMenu } from '../../shared/contract';
import { desktopOf } from '../../electron/services/desktop/desktop';
import type { JobNotice } from '../../electron/services/desktop/notifier';
import { tempDir, testApp } from '../helpers/app';
import type { HostOverrides } from '../../electron/host';

/** tests/fixtures/make-host.mjs, typed for what this test uses (the fixture ships no declarations) */
const { makeHost } = (await import(new URL('../fixtures/make-host.mjs', import.meta.url).href)) as {
  makeHost(dir: string, opts: { generations?: number; homeManager?: boolean }): Promise<{ dir: string; hostFile: string; host: HostOverrides & { systemProfile: string; homeManagerProfile: string; currentSystem: string } }>;
  nixConfig: string;
};


/**
 * A tray action on the fixture NixOS host (real nix profile, real generations, the real root helper
 * in `direct` mode): the tray asks for a confirmation window, the confirmation shows the diff the
 * window shows (`system.diff`), confirming runs `system.rollback` through the router (the method
 * the window's button calls), the profile really moves, and the result arrives as a notification.
 */

let app: Awaited<ReturnType<typeof testApp>>;
let host: Record<string, unknown> & { systemProfile: string; currentSystem: string; nixosConfigDir: string };
let hostDir: string;
const shown: string[] = [];
const notices: JobNotice[] = [];
const events: AppEvent[] = [];

const byId = (m: TrayMenu, id: string) => m.items.find((e) => e.type !== 'separator' && e.id === id) as TrayLeaf | undefined;
const generationOf = (profile: string) => Number(/-(\d+)-link$/.exec(readlinkSync(profile))![1]);
/** the action a menu entry carries, as the tray hands it over when clicked */
const actionOf = async (id: string) => {
  const menu = await app.call('tray.menu', {});
  const entry = byId(menu, id) ?? menu.items.flatMap((e) => (e.type === 'submenu' ? e.items : [])).find((e): e is TrayLeaf => e.type === 'item' && e.id === id);
  const action = entry?.action;
  if (!action || action.kind === 'open' || action.kind === 'quit') throw new Error(`the menu has no action ${id}`);
  return action;
};
/** someone in a terminal, while a confirmation is open */
const nixEnv = (profile: string, args: string[]) => execFileSync('nix-env', ['-p', profile, ...args], { env: process.env, stdio: 'pipe' });
/** what the fixture's switch-to-configuration recorded: one line per activation */
const activationLog = () => (existsSync(path.join(hostDir, 'activation.log')) ? readFileSync(path.join(hostDir, 'activation.log'), 'utf8').split('\n').filter(Boolean) : []);

beforeAll(async () => {
  const made = await makeHost(path.join(tempDir('nc-tray-'), 'host'), { generations: 3, homeManager: true });
  host = made.host as typeof host;
  hostDir = made.dir;
  // the root helper (a separate process, as under pkexec) reads the host from here, like the app
  process.env.NIXOS_COMPANION_HOST = made.hostFile;
  app = await testApp(made.host);
  await app.call('system.settings.set', { previewBeforeSwitch: false });
  app.ctx.events.on((e) => events.push(e));
  // The Electron shell's hooks, recorded: which confirmation window opened, which notification showed.
  desktopOf(app.ctx).attachShell({
    tray: { available: true, reason: null },
    // the person is even looking at the window: a tray job is announced anyway
    isWindowFocused: () => true,
    notify: (n) => notices.push(n),
    showConfirmation: (id) => shown.push(id),
  });
}, 300_000);

afterAll(async () => {
  delete process.env.NIXOS_COMPANION_HOST;
  await app?.dispose();
});

describe('tray rollback: confirmed, then notified, through the same method as the window', () => {
  it('the menu offers the rollback to 2; the capabilities now say there is a tray', async () => {
    const menu = await app.call('tray.menu', {});
    // the entry carries what it shows: rollback to 2, from 3
    expect(byId(menu, 'system-rollback')).toMatchObject({ enabled: true, action: { kind: 'rollback', profile: 'system', target: 2, expectedCurrent: 3 }, label: expect.stringMatching(/^Roll back to 2 \(/) });
    expect(byId(menu, 'home-current')?.label).toMatch(/^Home: generation \d+ /);
    expect(await app.call('desktop.capabilities', {})).toEqual({ shell: 'electron', tray: true, trayReason: null, notifications: true });
  });

  it('declining changes nothing', async () => {
    const id = desktopOf(app.ctx).requestAction(await actionOf('system-rollback'), 'tray');
    expect(shown).toEqual([id]);
    expect(await app.call('desktop.confirmation.answer', { id, accept: false })).toEqual({ started: false, jobId: null });
    expect(generationOf(host.systemProfile)).toBe(3);
    // an answered confirmation cannot be answered again
    expect((await app.callError('desktop.confirmation.answer', { id, accept: true })).code).toBe('not-found');
  });

  it('a rollback whose profile moved after the menu was drawn is refused in words; a yes then activates nothing', async () => {
    const action = await actionOf('system-rollback');
    expect(action).toEqual({ kind: 'rollback', profile: 'system', target: 2, expectedCurrent: 3 });
    const activations = activationLog().length;
    const moved = 'The system changed since you looked: generation 1 is now current. Look again.';
    // the menu was drawn, then the profile moved: the confirmation says so instead of showing another rollback
    nixEnv(host.systemProfile, ['--switch-generation', '1']);
    try {
      const early = desktopOf(app.ctx).requestAction(action, 'tray');
      expect(await app.callError('desktop.confirmation.get', { id: early })).toMatchObject({ code: 'conflict', message: moved });
      expect(await app.callError('desktop.confirmation.answer', { id: early, accept: true })).toMatchObject({ code: 'conflict', message: moved });
    } finally {
      nixEnv(host.systemProfile, ['--switch-generation', '3']);
    }
    // the confirmation was shown with 3 -> 2, then the profile moved before the yes
    const late = desktopOf(app.ctx).requestAction(action, 'tray');
    expect(await app.call('desktop.confirmation.get', { id: late })).toMatchObject({ from: { generation: 3 }, to: { generation: 2 } });
    nixEnv(host.systemProfile, ['--switch-generation', '1']);
    try {
      expect(await app.callError('desktop.confirmation.answer', { id: late, accept: true })).toMatchObject({ code: 'conflict', message: moved });
      expect(generationOf(host.systemProfile)).toBe(1);
      expect(activationLog().length).toBe(activations);
      expect(app.ctx.jobs.running('system')).toEqual([]);
    } finally {
      nixEnv(host.systemProfile, ['--switch-generation', '3']);
    }
  });

  it('the same for Home Manager, whose methods take no expected generation: checked just before they run', async () => {
    const home = String(host.homeManagerProfile);
    const action = await actionOf('home-rollback');
    expect(action).toEqual({ kind: 'rollback', profile: 'home', target: 1, expectedCurrent: 2 });
    const id = desktopOf(app.ctx).requestAction(action, 'tray');
    expect(await app.call('desktop.confirmation.get', { id })).toMatchObject({ from: { generation: 2 }, to: { generation: 1 } });
    nixEnv(home, ['--switch-generation', '1']);
    try {
      const err = await app.callError('desktop.confirmation.answer', { id, accept: true });
      expect(err).toMatchObject({ code: 'conflict', message: 'Your home configuration changed since you looked: generation 1 is now current. Look again.' });
      expect(app.ctx.jobs.running('home')).toEqual([]);
      expect(generationOf(home)).toBe(1);
    } finally {
      nixEnv(home, ['--switch-generation', '2']);
    }
  });

  it('the confirmation shows from, to, and the diff of system.diff, and names the method it will run', async () => {
    const id = desktopOf(app.ctx).requestAction(await actionOf('system-rollback'), 'tray');
    const c = await app.call('desktop.confirmation.get', { id });
    expect(c).toMatchObject({ id, method: 'system.rollback', available: true, title: 'Roll back the system to generation 2?' });
    expect(c.from).toMatchObject({ generation: 3, storePath: realpathSync(host.systemProfile) });
    expect(c.to?.generation).toBe(2);
    expect(c.to?.version).toBeTruthy();
    const diff = await app.call('system.diff', { from: 3, to: 2 });
    expect(c.diff.lines).toHaveLength(diff.changes.length);
    for (const change of diff.changes) expect(c.diff.lines.some((l) => l.startsWith(`${change.name}: `))).toBe(true);
    expect(c.warnings.join(' ')).toMatch(/boot default/);

    const since = events.length;
    const answer = await app.call('desktop.confirmation.answer', { id, accept: true });
    expect(answer.started).toBe(true);
    const job = await app.ctx.jobs.wait(answer.jobId!);
    expect(job, JSON.stringify(job.error)).toMatchObject({ method: 'system.rollback', status: 'done' });

    // the profile really moved, by the same job the window's button starts
    expect(generationOf(host.systemProfile)).toBe(2);
    expect(events.slice(since)).toContainEqual({ topic: 'job', jobId: answer.jobId, method: 'system.rollback', kind: 'started', title: 'Roll back to generation 2' });
    // and the result came as a notification, though the window was focused
    expect(notices).toEqual([expect.objectContaining({ jobId: answer.jobId, ok: true, title: 'Done: Roll back to generation 2', route: `#/system/job/${answer.jobId}` })]);

    const menu = await app.call('tray.menu', {});
    expect(byId(menu, 'system-current')?.label).toMatch(/^System: generation 2 /);
    expect(byId(menu, 'system-rollback')?.label).toMatch(/^Roll back to 1 /);
  });

  it('the window path (no tray) asks the same confirmation over RPC; a window job is not force-notified', async () => {
    // what the window's Quick actions send: the menu entry's own action
    const action = await actionOf('system-generation-3');
    expect(action).toEqual({ kind: 'switch', profile: 'system', generation: 3, expectedCurrent: 2 });
    const { confirmationId } = await app.call('desktop.action.request', { action });
    expect(shown).not.toContain(confirmationId);
    const c = await app.call('desktop.confirmation.get', { id: confirmationId });
    expect(c).toMatchObject({ method: 'system.switchGeneration', title: 'Switch the system to generation 3?', from: { generation: 2 }, to: { generation: 3 } });
    const before = notices.length;
    const answer = await app.call('desktop.confirmation.answer', { id: confirmationId, accept: true });
    const job = await app.ctx.jobs.wait(answer.jobId!);
    expect(job.status).toBe('done');
    expect(generationOf(host.systemProfile)).toBe(3);
    // quick and with the window focused: no notification
    expect(notices.length).toBe(before);
  });

  it('a failure is reported in words: switching to a generation deleted meanwhile', async () => {
    const id = desktopOf(app.ctx).requestAction({ kind: 'switch', profile: 'system', generation: 99, expectedCurrent: 3 }, 'tray');
    const err = await app.callError('desktop.confirmation.get', { id });
    expect(err).toMatchObject({ code: 'not-found', message: expect.stringMatching(/generation 99 no longer exists/i) });
    const answerErr = await app.callError('desktop.confirmation.answer', { id, accept: true });
    expect(answerErr.code).toBe('not-found');
  });

  it('refuses forged confirmation ids and actions outside the contract', async () => {
    expect((await app.callError('desktop.confirmation.get', { id: '../../etc/passwd' })).code).toBe('invalid-params');
    expect((await app.callError('desktop.action.request', { action: { kind: 'quit' } })).code).toBe('invalid-params');
    expect((await app.callError('desktop.action.request', { action: { kind: 'switch', profile: 'system', generation: -1, expectedCurrent: 3 } })).code).toBe('invalid-params');
    // an action must say what it saw
    expect((await app.callError('desktop.action.request', { action: { kind: 'rollback', profile: 'system' } })).code).toBe('invalid-params');
    expect((await app.callError('desktop.action.request', { action: { kind: 'switch', profile: 'system', generation: 2 } })).code).toBe('invalid-params');
  });
});

describe('tray rebuild: confirmed, built, its diff shown and confirmed again, then notified', () => {
  /** resolves when the job reaches the phase (the events the confirmation window listens to) */
  const phaseOf = (jobId: string, phase: string) =>
    new Promise<void>((resolve, reject) => {
      const off = app.ctx.events.on((e) => {
        if (e.topic !== 'job' || e.jobId !== jobId) return;
        if (e.kind === 'phase' && e.phase === phase) resolve();
        else if (e.kind === 'done' || e.kind === 'failed' || e.kind === 'cancelled') reject(new Error(`the job ended (${e.kind}) before phase ${phase}`));
        else return;
        off();
      });
    });

  it('stops after the build although the preview setting is off, shows the diff, activates only on the second yes', async () => {
    // a real change: the configuration gains a package
    const config = path.join(host.nixosConfigDir, 'configuration.nix');
    writeFileSync(config, readFileSync(config, 'utf8').replace('    fastfetch\n', '    fastfetch\n    tree\n'));
    const before = generationOf(host.systemProfile);
    const running = realpathSync(host.currentSystem);

    const id = desktopOf(app.ctx).requestAction({ kind: 'rebuild' }, 'tray');
    expect(shown.at(-1)).toBe(id);
    const c = await app.call('desktop.confirmation.get', { id });
    expect(c).toMatchObject({ method: 'system.rebuild', available: true, from: null, to: null, title: 'Rebuild and switch now?' });
    expect(c.diff.note).toMatch(/asks again before anything is activated/);

    const answer = await app.call('desktop.confirmation.answer', { id, accept: true });
    expect(answer.started).toBe(true);
    const jobId = answer.jobId!;
    await phaseOf(jobId, 'confirm');

    // built, waiting: nothing activated yet
    expect(generationOf(host.systemProfile)).toBe(before);
    expect(realpathSync(host.currentSystem)).toBe(running);
    const waiting = await app.call('system.rebuild.preview', { jobId });
    expect(waiting.waiting).toBe(true);
    expect(waiting.preview?.from).toBe(running);
    expect(waiting.preview?.changes).toContainEqual(expect.objectContaining({ name: 'tree', before: [], after: [expect.any(String)] }));

    expect(await app.call('system.rebuild.confirm', { jobId, proceed: true })).toEqual({ accepted: true });
    const job = await app.ctx.jobs.wait(jobId);
    expect(job, JSON.stringify(job.error)).toMatchObject({ method: 'system.rebuild', status: 'done' });
    const result = job.result as { activated: boolean; generation: number; storePath: string; stoppedAtPreview: boolean };
    expect(result).toMatchObject({ activated: true, stoppedAtPreview: false, generation: before + 1 });
    expect(generationOf(host.systemProfile)).toBe(before + 1);
    expect(realpathSync(host.currentSystem)).toBe(result.storePath);
    expect(notices.at(-1)).toMatchObject({ jobId, ok: true, title: 'Done: Rebuild (switch)', route: `#/system/job/${jobId}` });
  });

  it('saying no to the built system activates nothing and is reported too', async () => {
    const config = path.join(host.nixosConfigDir, 'configuration.nix');
    writeFileSync(config, readFileSync(config, 'utf8').replace('    tree\n', ''));
    const before = generationOf(host.systemProfile);
    const running = realpathSync(host.currentSystem);
    const id = desktopOf(app.ctx).requestAction({ kind: 'rebuild' }, 'tray');
    const { jobId } = await app.call('desktop.confirmation.answer', { id, accept: true });
    await phaseOf(jobId!, 'confirm');
    await app.call('system.rebuild.confirm', { jobId: jobId!, proceed: false });
    const job = await app.ctx.jobs.wait(jobId!);
    expect(job.result).toMatchObject({ activated: false, stoppedAtPreview: true });
    expect(generationOf(host.systemProfile)).toBe(before);
    expect(realpathSync(host.currentSystem)).toBe(running);
    expect(notices.at(-1)).toMatchObject({ jobId, ok: true });
  });

  for (const when of ['while it builds', 'once it waits for the second yes'] as const) {
    it(`closing the confirmation window ${when} means no: nothing is activated`, async () => {
      const config = path.join(host.nixosConfigDir, 'configuration.nix');
      writeFileSync(config, readFileSync(config, 'utf8').replace('    fastfetch\n', `    fastfetch\n    ${when === 'while it builds' ? 'btop' : 'jq'}\n`));
      const before = generationOf(host.systemProfile);
      const running = realpathSync(host.currentSystem);
      const id = desktopOf(app.ctx).requestAction({ kind: 'rebuild' }, 'tray');
      const { jobId } = await app.call('desktop.confirmation.answer', { id, accept: true });
      if (when === 'once it waits for the second yes') await phaseOf(jobId!, 'confirm');
      else expect(app.ctx.jobs.get(jobId!).status).toBe('running');
      desktopOf(app.ctx).confirmationWindowClosed(id);
      const job = await app.ctx.jobs.wait(jobId!);
      expect(job, JSON.stringify(job.error)).toMatchObject({ status: 'done', result: { activated: false, stoppedAtPreview: true } });
      expect(generationOf(host.systemProfile)).toBe(before);
      expect(realpathSync(host.currentSystem)).toBe(running);
      writeFileSync(config, readFileSync(config, 'utf8').replace(/    (btop|jq)\n/, ''));
    });
  }
});
