import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../electron/exec/events';
import { JobManager } from '../../electron/exec/jobs';
import { autostartEntry, quoteExecArg } from '../../electron/services/desktop/autostart';
import { electronLaunchCommand } from '../../electron/services/desktop/launch';
import { JobNotifier, jobRoute, type JobNotice } from '../../electron/services/desktop/notifier';
import { visibleBounds } from '../../electron/services/desktop/settings';
import { detectTraySupport } from '../../electron/services/desktop/tray-support';

describe('job notifications', () => {
  function setup(focused: boolean, minDurationMs = 1000) {
    const events = new EventBus();
    const jobs = new JobManager(events);
    let clock = 0;
    const notices: JobNotice[] = [];
    const notifier = new JobNotifier({ events, isWindowFocused: () => focused, notify: (n) => notices.push(n), minDurationMs, now: () => clock });
    const advance = (ms: number) => (clock += ms);
    return { jobs, notices, notifier, advance };
  }

  it('a long job that finishes while the window is not focused is announced, with the route to its page', async () => {
    const { jobs, notices, advance } = setup(false);
    const { jobId } = jobs.start('system.rebuild', { title: 'Rebuild (switch)' }, async () => {
      advance(5000);
      return 1;
    });
    await jobs.wait(jobId);
    expect(notices).toEqual([{ jobId, method: 'system.rebuild', ok: true, title: 'Done: Rebuild (switch)', body: expect.any(String), route: `#/system/job/${jobId}` }]);
  });

  it('a failure says what went wrong', async () => {
    const { jobs, notices, advance } = setup(false);
    const { jobId } = jobs.start('usb.write', { title: 'Write image' }, async () => {
      advance(5000);
      throw new Error('boom');
    });
    await jobs.wait(jobId);
    expect(notices[0]).toMatchObject({ ok: false, title: 'Failed: Write image', route: `#/install/job/${jobId}` });
    expect(notices[0]!.body).toMatch(/^Something went wrong inside the app\./);
  });

  it('no notification while the window is focused, nor for a short job, nor for a cancelled one', async () => {
    const focused = setup(true);
    const a = focused.jobs.start('system.rebuild', { title: 'a' }, async () => void focused.advance(9000));
    await focused.jobs.wait(a.jobId);
    expect(focused.notices).toEqual([]);

    const quick = setup(false);
    const b = quick.jobs.start('system.rebuild', { title: 'b' }, async () => void quick.advance(10));
    await quick.jobs.wait(b.jobId);
    expect(quick.notices).toEqual([]);

    const cancelled = setup(false);
    const c = cancelled.jobs.start('system.rebuild', { title: 'c' }, (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(new Error('stopped')))));
    await new Promise((r) => setTimeout(r, 10));
    cancelled.advance(9000);
    cancelled.jobs.cancel(c.jobId);
    await cancelled.jobs.wait(c.jobId);
    expect(cancelled.notices).toEqual([]);
  });

  it('a job started from the tray is always announced, even short and with the window focused', async () => {
    const { jobs, notices, notifier } = setup(true);
    const { jobId } = jobs.start('home.rollback', { title: 'Roll back home' }, async () => 1);
    notifier.alwaysNotify(jobId);
    await jobs.wait(jobId);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ title: 'Done: Roll back home', route: `#/home-manager/job/${jobId}` });
  });

  it('routes unknown areas home and escapes the id', () => {
    expect(jobRoute('weird.thing', 'a/b')).toBe('#/home/job/a%2Fb');
  });
});

describe('tray support', () => {
  const home = '/home/ada';
  const none = () => false;
  it('has a tray on KDE, XFCE and other non-GNOME desktops', () => {
    for (const d of ['KDE', 'XFCE', 'X-Cinnamon', 'MATE', 'Budgie:GNOME'.replace(':GNOME', ''), 'LXQt']) {
      expect(detectTraySupport({ platform: 'linux', env: { DISPLAY: ':0', XDG_CURRENT_DESKTOP: d }, home, exists: none }).available).toBe(true);
    }
  });
  it('GNOME without the AppIndicator extension has none, and says why in plain words', () => {
    const s = detectTraySupport({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0', XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, home, exists: none });
    expect(s.available).toBe(false);
    expect(s.reason).toMatch(/AppIndicator extension/);
  });
  it('GNOME with the extension in the user dir, or in the NixOS system profile, has one', () => {
    const user = path.join(home, '.local/share/gnome-shell/extensions/appindicatorsupport@rgcjonas.gmail.com');
    expect(detectTraySupport({ platform: 'linux', env: { DISPLAY: ':0', XDG_CURRENT_DESKTOP: 'GNOME' }, home, exists: (p) => p === user }).available).toBe(true);
    const nixos = '/run/current-system/sw/share/gnome-shell/extensions/appindicatorsupport@rgcjonas.gmail.com';
    expect(detectTraySupport({ platform: 'linux', env: { DISPLAY: ':0', XDG_CURRENT_DESKTOP: 'GNOME' }, home, exists: (p) => p === nixos }).available).toBe(true);
  });
  it('no display, no tray', () => {
    expect(detectTraySupport({ platform: 'linux', env: {}, home, exists: () => true })).toEqual({ available: false, reason: expect.stringMatching(/no graphical session/) });
  });
});

describe('autostart entry', () => {
  it('quotes Exec arguments as the Desktop Entry spec says', () => {
    expect(quoteExecArg('/usr/bin/nixos-companion')).toBe('/usr/bin/nixos-companion');
    expect(quoteExecArg('/home/ada/My Apps/NixOS Companion.AppImage')).toBe('"/home/ada/My Apps/NixOS Companion.AppImage"');
    expect(quoteExecArg('a"b$c`d\\e')).toBe('"a\\\\"b\\\\$c\\\\`d\\\\\\\\e"');
    expect(quoteExecArg('100%')).toBe('100%%');
  });
  it('starts the app hidden in the tray', () => {
    expect(autostartEntry(['/opt/nc/nixos-companion'])).toMatch(/^Exec=\/opt\/nc\/nixos-companion --hidden$/m);
  });
  it('launches the AppImage file itself when run from one', () => {
    expect(electronLaunchCommand({ execPath: '/tmp/.mount_x/nixos-companion', appPath: '/tmp/.mount_x/resources/app.asar', isPackaged: true, env: { APPIMAGE: '/home/a/NC.AppImage' } })).toEqual(['/home/a/NC.AppImage']);
    expect(electronLaunchCommand({ execPath: '/opt/nc/nixos-companion', appPath: '/opt/nc/resources/app.asar', isPackaged: true, env: {} })).toEqual(['/opt/nc/nixos-companion']);
    expect(electronLaunchCommand({ execPath: '/nix/store/x-electron/bin/electron', appPath: '/src/nc', isPackaged: false, env: {} })).toEqual(['/nix/store/x-electron/bin/electron', '/src/nc']);
  });
});

describe('window bounds', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1080 };
  it('keeps bounds that are on a screen', () => {
    const b = { x: 100, y: 100, width: 1000, height: 700, maximized: false };
    expect(visibleBounds(b, [screen])).toEqual(b);
  });
  it('drops bounds left on a monitor that is gone', () => {
    expect(visibleBounds({ x: 2500, y: 100, width: 1000, height: 700, maximized: false }, [screen])).toBeNull();
    expect(visibleBounds(null, [screen])).toBeNull();
  });
});
