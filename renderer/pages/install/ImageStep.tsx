import { Icon } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, formatBytes } from '../../components/ui';
import { useInstall } from '../../stores/install';
import { useJobs } from '../../stores/jobs';
import { FlashProgress, phaseOf } from './FlashProgress';

export function Checksum({ label, value, ok }: { label: string; value: string | null; ok?: boolean | null }) {
  return (
    <div className="checksum">
      <div className="checksum-label">
        {label}
        {ok === true ? <Badge kind="ok">matches</Badge> : ok === false ? <Badge kind="danger">differs</Badge> : null}
      </div>
      <code className="checksum-value">{value ?? '—'}</code>
    </div>
  );
}

/** Step 2: the download (or the check of a local file) and its verification. */
export function ImageStep() {
  const s = useInstall();
  const job = useJobs((j) => (s.imageJobId ? j.jobs[s.imageJobId] : undefined));
  const running = !s.image && !s.imageError;
  const phase = s.source === 'local' ? 'verify-download' : phaseOf(job, 'image');
  const title = s.source === 'local' ? 'Checking your ISO file' : `Downloading ${s.resolved?.fileName ?? 'NixOS'}`;

  return (
    <div className="stack install-step" data-testid="step-download">
      {running ? (
        <Card>
          <FlashProgress job={job} current={phase} done={phase === 'verify-download' ? ['download'] : []} title={title} local={s.source === 'local'} />
          <div className="step-actions">
            <span className="faint">{s.source === 'download' ? 'You can pause: the download continues where it stopped next time.' : ''}</span>
            <button className="btn" onClick={() => void s.cancelJob(s.imageJobId)} disabled={!job?.cancellable} data-testid="cancel-image">
              {s.source === 'download' ? 'Pause' : 'Stop'}
            </button>
          </div>
        </Card>
      ) : null}

      {s.imageError ? (
        <>
          {/* a local file that is missing or refused gets another file, not the same check again */}
          <ErrorBanner error={s.imageError} onRetry={s.source === 'download' || s.imageError.code === 'cancelled' ? () => void s.startImage() : undefined} />
          <div className="step-actions">
            {s.source === 'local' ? (
              <button className="btn primary" onClick={() => s.goto('choose')} data-testid="choose-another-file">
                Choose another file
              </button>
            ) : (
              <button className="btn" onClick={() => s.goto('choose')}>
                Back to the choice
              </button>
            )}
          </div>
        </>
      ) : null}

      {s.image ? (
        <Card title="Image ready" icon="check" testId="image-ready">
          <div className="ready-head">
            <div>
              <div className="mono resolved-name">{s.image.fileName}</div>
              <div className="faint">
                {formatBytes(s.image.size)}
                {s.image.version ? ` · NixOS ${s.image.version}` : ''}
                {s.image.reused ? ' · reused from the cache' : s.image.resumedFrom ? ` · resumed at ${formatBytes(s.image.resumedFrom)}` : ''}
              </div>
            </div>
            {s.image.matches ? <Badge kind="ok">Checksum verified</Badge> : <Badge kind="warn">No checksum to compare</Badge>}
          </div>
          <Checksum label="SHA-256 of the file" value={s.image.sha256} ok={s.image.matches} />
          {s.image.expectedSha256 ? <Checksum label={s.source === 'local' ? 'SHA-256 you gave' : 'Published SHA-256'} value={s.image.expectedSha256} /> : null}
          {s.image.format === 'iso' ? (
            <Banner kind="warn" title="This is not a hybrid ISO">
              <span>Written to a USB stick, it may not boot. NixOS installer images are hybrid; check that you picked the right file.</span>
            </Banner>
          ) : s.image.format === 'disk' ? (
            <Banner kind="info" title="This is a disk image, not an ISO">
              <span>It is written to the stick as it is. It boots if it was made to boot from USB; NixOS installer images are .iso files.</span>
            </Banner>
          ) : null}
          <p className="faint image-path">
            {s.source === 'local' ? 'Your file: ' : 'Saved in the app’s download folder: '}
            <span className="mono">{s.image.path}</span>
          </p>
          <div className="step-actions">
            <button className="btn ghost" onClick={() => s.goto('choose')}>
              {s.source === 'local' ? 'Choose another file' : 'Choose another image'}
            </button>
            <button className="btn primary" onClick={() => s.goto('drive')} data-testid="to-drive">
              Choose a drive <Icon name="arrowRight" size={16} />
            </button>
          </div>
        </Card>
      ) : null}
    </div>
  );
}
