import { describe, expect, it } from 'vitest';
import { jobEventSchema, MAX_LOG_LINE_CHARS, type AppEvent } from '../../shared/contract';
import { AppError } from '../../electron/errors';
import { EventBus } from '../../electron/exec/events';
import { JobManager } from '../../electron/exec/jobs';

function setup() {
  const bus = new EventBus();
  const events: AppEvent[] = [];
  bus.on((e) => events.push(e));
  return { jobs: new JobManager(bus), events };
}

describe('JobManager', () => {
  it('returns the id first, then streams started, log, phase and done events', async () => {
    const { jobs, events } = setup();
    const { jobId } = jobs.start('test.work', { title: 'Work' }, async (job) => {
      job.log('hello', 'stdout');
      job.phase('build', 'Building', { cancellable: true });
      return { answer: 42 };
    });
    expect(events).toHaveLength(0);
    const summary = await jobs.wait(jobId);
    expect(summary.status).toBe('done');
    expect(summary.result).toEqual({ answer: 42 });
    expect(events.map((e) => (e.topic === 'job' ? e.kind : e.topic))).toEqual(['started', 'log', 'phase', 'done']);
    expect(jobs.log(jobId, 0, 10).lines).toEqual([{ stream: 'stdout', text: 'hello' }]);
  });

  it('reports failure as an error value', async () => {
    const { jobs } = setup();
    const { jobId } = jobs.start('t', { title: 'Fails' }, async () => {
      throw new AppError('command-failed', 'It broke.');
    });
    const s = await jobs.wait(jobId);
    expect(s.status).toBe('failed');
    expect(s.error).toEqual({ code: 'command-failed', message: 'It broke.' });
  });

  it('refuses a second job in the same exclusive group with a clear message', async () => {
    const { jobs } = setup();
    let release!: () => void;
    const first = jobs.start('system.rebuild', { title: 'Rebuild (switch)', exclusiveGroup: 'system' }, () => new Promise<void>((r) => (release = r)));
    expect(() => jobs.start('system.rollback', { title: 'Roll back', exclusiveGroup: 'system' }, async () => {})).toThrow(/Rebuild \(switch\)" is still running/);
    expect(() => jobs.start('usb.write', { title: 'Write', exclusiveGroup: 'usb' }, async () => {})).not.toThrow();
    await new Promise((r) => setTimeout(r, 10));
    release();
    await jobs.wait(first.jobId);
    expect(() => jobs.start('system.rollback', { title: 'Roll back', exclusiveGroup: 'system' }, async () => {})).not.toThrow();
  });

  it('cancels through the abort signal', async () => {
    const { jobs } = setup();
    const { jobId } = jobs.start('t', { title: 'Long' }, (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(new AppError('cancelled', 'Cancelled.')))));
    await new Promise((r) => setTimeout(r, 5));
    expect(jobs.cancel(jobId)).toBe(true);
    expect((await jobs.wait(jobId)).status).toBe('cancelled');
  });

  it('refuses to cancel during a step that must finish', async () => {
    const { jobs } = setup();
    let release!: () => void;
    const { jobId } = jobs.start('t', { title: 'Switch' }, async (job) => {
      job.phase('activate', 'Activating the new configuration', { cancellable: false });
      await new Promise<void>((r) => (release = r));
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(() => jobs.cancel(jobId)).toThrow(/cannot be stopped now: Activating/);
    release();
    expect((await jobs.wait(jobId)).status).toBe('done');
  });

  it('coalesces progress events but keeps the latest value', async () => {
    const { jobs, events } = setup();
    const { jobId } = jobs.start('t', { title: 'Progress' }, async (job) => {
      for (let i = 0; i <= 1000; i++) job.progress({ fraction: i / 1000 });
      await new Promise((r) => setTimeout(r, 150));
    });
    await jobs.wait(jobId);
    const progress = events.filter((e) => e.topic === 'job' && e.kind === 'progress');
    expect(progress.length).toBeLessThan(5);
    expect(progress.at(-1)).toMatchObject({ progress: { fraction: 1 } });
  });

  it('sends log lines in batches, in order, all of them before the next phase and before done', async () => {
    const { jobs, events } = setup();
    const { jobId } = jobs.start('t', { title: 'Chatty' }, async (job) => {
      for (let i = 0; i < 12_345; i++) job.log(`line ${i}`, 'stdout');
      job.phase('next', 'Next step');
      job.log('after the phase', 'info');
      await new Promise((r) => setTimeout(r, 80));
      job.log('x'.repeat(MAX_LOG_LINE_CHARS * 2), 'stderr');
    });
    await jobs.wait(jobId);
    const kinds = events.flatMap((e) => (e.topic === 'job' ? [e.kind] : []));
    expect(kinds).toEqual(['started', 'log', 'log', 'log', 'phase', 'log', 'log', 'done']);
    const batches = events.flatMap((e) => (e.topic === 'job' && e.kind === 'log' ? [e] : []));
    expect(batches.map((b) => [b.index, b.lines.length])).toEqual([[0, 5000], [5000, 5000], [10_000, 2345], [12_345, 1], [12_346, 1]]);
    expect(batches[2]!.lines.at(-1)).toEqual({ stream: 'stdout', text: 'line 12344' });
    expect(batches[3]!.lines[0]!.text).toBe('after the phase');
    // an overlong line is cut, and says so
    expect(batches[4]!.lines[0]!.text.length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS);
    expect(batches[4]!.lines[0]!.text).toMatch(/… \(10,040 more characters\)$/);
    expect(jobEventSchema.safeParse(batches[4]).success).toBe(true);
    expect(jobs.get(jobId).logLines).toBe(12_347);
  });

  it('lists jobs newest first with their status', async () => {
    const { jobs } = setup();
    const a = jobs.start('a', { title: 'A' }, async () => 1);
    await jobs.wait(a.jobId);
    const b = jobs.start('b', { title: 'B' }, () => new Promise(() => {}));
    const list = jobs.list();
    expect(list.map((j) => [j.method, j.status])).toEqual([
      ['b', 'running'],
      ['a', 'done'],
    ]);
    void b;
  });
});
