import type { JobProgress } from '../../shared/contract/jobs';
import type { Host } from '../host';
import type { HelperEvent } from './protocol';

/** What an operation may do while it runs: report, and learn whether it was asked to stop. */
export interface HelperIO {
  readonly host: Host;
  readonly signal: AbortSignal;
  log(text: string, stream?: 'stdout' | 'stderr' | 'info'): void;
  progress(progress: JobProgress): void;
  /** cancellable=false for steps that must not be interrupted (activation, the last write) */
  phase(phase: string, label: string, cancellable: boolean): void;
}

export function writeEvent(event: HelperEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}
