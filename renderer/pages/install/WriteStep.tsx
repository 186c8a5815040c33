import { Card, ErrorBanner } from '../../components/ui';
import { useInstall } from '../../stores/install';
import { useJobs } from '../../stores/jobs';
import { driveName, driveSize } from './DriveStep';
import { FlashProgress, phaseOf } from './FlashProgress';

/** Step 4: the write (or the copy onto Ventoy) and its read-back, with the big progress display. */
export function WriteStep() {
  const s = useInstall();
  const job = useJobs((j) => (s.writeJobId ? j.jobs[s.writeJobId] : undefined));
  const drive = s.drives.find((d) => d.path === s.device);
  const phase = phaseOf(job, 'write');
  const target = drive ? `${driveName(drive)} (${driveSize(drive.size)})` : s.device ?? 'the drive';

  return (
    <div className="stack install-step" data-testid="step-write">
      {!s.writeError ? (
        <Card>
          <FlashProgress
            job={job}
            current={phase}
            done={['download', 'verify-download', ...(phase === 'verify-write' ? (['write'] as const) : [])]}
            title={s.mode === 'ventoy' ? `Copying to the Ventoy stick ${target}` : `Writing to ${target}`}
            local={s.source === 'local'}
          />
          <div className="step-actions">
            <span className="faint">Keep the stick plugged in until this says it is done.</span>
            <button className="btn" onClick={() => void s.cancelJob(s.writeJobId)} disabled={!job?.cancellable} data-testid="cancel-write">
              Stop
            </button>
          </div>
        </Card>
      ) : (
        <>
          <ErrorBanner error={s.writeError} onRetry={() => void s.startWrite()} />
          <div className="step-actions">
            <button className="btn" onClick={() => s.goto('drive')} data-testid="back-to-drives">
              Choose another drive
            </button>
          </div>
        </>
      )}
    </div>
  );
}
