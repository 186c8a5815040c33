import { describe, expect, it, vi } from 'vitest';
import { tempDir, testApp } from '../helpers/app';

/** What createApp starts, dispose stops: nothing of an app keeps running (or keeps the process alive) after it. */
describe('app dispose', () => {
  it('stops the drive watcher (its poll timer and its /dev watcher) and the safe switch countdown', async () => {
    const dir = tempDir();
    const app = await testApp({ stateDir: `${dir}/state`, cacheDir: `${dir}/cache`, configDir: `${dir}/config` });
    await app.call('usb.drives', {});
    const watch = app.ctx.state.driveWatch;
    expect(watch).not.toBeNull();
    const timer = watch!.timer as unknown as { _destroyed: boolean };
    expect(timer._destroyed).toBe(false);
    const closeWatcher = watch!.watcher ? vi.spyOn(watch!.watcher, 'close') : null;
    const stopCountdown = vi.spyOn(app.services.safeSwitch, 'dispose');

    await app.dispose();

    expect(app.ctx.state.driveWatch).toBeNull();
    expect(timer._destroyed).toBe(true);
    if (closeWatcher) expect(closeWatcher).toHaveBeenCalled();
    expect(stopCountdown).toHaveBeenCalledOnce();
    expect(app.ctx.state.search).toBeNull();
  });

  it('keeps each app’s state to itself: two apps do not share caches', async () => {
    const a = await testApp();
    const b = await testApp();
    a.ctx.state.nixDbRetryAt = Date.now() + 60_000;
    expect(b.ctx.state.nixDbRetryAt).toBe(0);
    expect(a.ctx.state.flakeChecks).not.toBe(b.ctx.state.flakeChecks);
    await Promise.all([a.dispose(), b.dispose()]);
  });
});
