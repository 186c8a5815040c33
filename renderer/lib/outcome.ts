import type { JobSummary } from '../../shared/contract';

/**
 * How a finished job ended, in one or two sentences a person reads ("Rolled back to generation 7. No
 * restart needed."), from its method and result. The store paths and counters stay in the log.
 */
export interface Outcome {
  title: string;
  /** a second sentence, when there is one worth saying */
  detail?: string;
  /** the job changed which generation runs: Undo can switch back */
  activated: boolean;
}

type Kernel = { running?: string | null; target?: string | null; changes?: boolean } | undefined;

const restartWords = (kernel: Kernel) =>
  kernel?.changes ? `Restart the computer to use kernel ${kernel.target ?? 'the new kernel'}; until then the old kernel keeps running.` : 'No restart needed.';

const num = (v: unknown) => (typeof v === 'number' ? v : null);

export function jobOutcome(job: Pick<JobSummary, 'method' | 'status' | 'result'>): Outcome | null {
  if (job.status !== 'done') return null;
  const r = (job.result ?? {}) as Record<string, unknown>;
  const generation = num(r.generation);
  const kernel = r.kernel as Kernel;
  switch (job.method) {
    case 'system.rollback':
      return { title: `Rolled back to generation ${generation ?? '?'}. ${restartWords(kernel)}`, activated: true };
    case 'system.switchGeneration':
      return { title: `Switched to generation ${generation ?? '?'}. ${restartWords(kernel)}`, activated: true };
    case 'system.switchSpecialisation':
      return { title: `Specialisation ${String(r.specialisation ?? '')} of generation ${generation ?? '?'} is running. ${restartWords(kernel)}`, detail: 'The boot default did not change.', activated: true };
    case 'system.safeSwitch':
      return { title: typeof r.reason === 'string' && r.reason ? r.reason : r.kept ? 'You kept the new configuration.' : 'The previous configuration is back.', activated: r.kept === true };
    case 'system.rebuild': {
      if (r.stoppedAtPreview) return { title: 'Stopped before activating: nothing changed.', activated: false };
      const commit = (r.commit as { committed?: boolean; message?: string } | null) ?? null;
      const committed = commit?.committed ? `Your configuration was committed to git (“${commit.message}”).` : undefined;
      switch (r.action) {
        case 'switch':
          return { title: generation !== null ? `Switched to generation ${generation}: it is running and starts at boot.` : 'The new configuration is running and starts at boot.', detail: committed, activated: true };
        case 'boot':
          return { title: generation !== null ? `Generation ${generation} starts at the next boot. Nothing changed until then.` : 'The new configuration starts at the next boot.', detail: committed, activated: false };
        case 'test':
          return { title: 'The new configuration is running until the next restart. The boot default did not change.', activated: true };
        case 'build':
          return { title: 'It builds. Nothing was changed: Switch or Boot to use it.', activated: false };
        case 'dry-build':
          return { title: 'Dry build done: the configuration evaluates. Nothing was built or changed.', activated: false };
        default:
          return { title: 'Finished.', activated: false };
      }
    }
    case 'home.rollback':
      return { title: `Rolled back to Home Manager generation ${num(r.to) ?? '?'}. Your files are that generation’s now.`, activated: true };
    case 'home.switchGeneration':
      return { title: `Switched to Home Manager generation ${num(r.to) ?? '?'}. Your files are that generation’s now.`, activated: true };
    default:
      return null;
  }
}
