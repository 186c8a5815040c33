import type { JobProgress } from '../../shared/contract/jobs';

export interface Rate {
  bytesPerSecond: number;
  /** undefined while the rate is unknown (nothing moved yet) or the total is */
  etaSeconds: number | undefined;
}

/**
 * Bytes per second and time left for a transfer: the rate over the last few seconds (so a stall or a
 * burst shows soon), the average since the start until that window holds enough to measure.
 */
export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];
  readonly started: number;

  constructor(
    private readonly total: number | null,
    private readonly opts: { windowMs?: number; now?: () => number } = {},
  ) {
    this.started = this.now();
  }

  private now() {
    return (this.opts.now ?? performance.now.bind(performance))();
  }

  sample(bytes: number): Rate {
    const t = this.now();
    this.samples.push({ t, bytes });
    const windowMs = this.opts.windowMs ?? 3000;
    while (this.samples.length > 2 && t - this.samples[0]!.t > windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const span = (t - first.t) / 1000;
    const overall = bytes / Math.max(0.001, (t - this.started) / 1000);
    const rate = Math.max(0, span > 0.3 ? (bytes - first.bytes) / span : overall);
    const left = this.total === null ? null : Math.max(0, this.total - bytes);
    return { bytesPerSecond: rate, etaSeconds: rate > 0 && left !== null ? left / rate : undefined };
  }

  /** seconds since the meter started */
  seconds() {
    return (this.now() - this.started) / 1000;
  }
}

/** A gate that opens at most once every `ms` (progress events are for eyes, not for every 4 MiB read). */
export function every(ms: number, now: () => number = () => performance.now()): (force?: boolean) => boolean {
  let last = -Infinity;
  return (force = false) => {
    const t = now();
    if (!force && t - last < ms) return false;
    last = t;
    return true;
  };
}

/** A job's progress for `done` of `total` bytes at `rate`. */
export function byteProgress(done: number, total: number | null, rate: Rate, message?: string): JobProgress {
  return {
    fraction: total ? Math.min(1, done / total) : null,
    bytesDone: done,
    ...(total ? { bytesTotal: total } : {}),
    bytesPerSecond: rate.bytesPerSecond,
    ...(rate.etaSeconds !== undefined ? { etaSeconds: rate.etaSeconds } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}
