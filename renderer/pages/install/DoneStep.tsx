import { Icon } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, formatBytes } from '../../components/ui';
import { useInstall } from '../../stores/install';
import { AfterWriting } from './AfterWriting';
import { driveName, driveSize, VENTOY_WARNING } from './DriveStep';
import { formatDuration } from './FlashProgress';
import { Checksum } from './ImageStep';
import { StarterConfigForm } from './StarterConfig';

/** Step 5: the summary with every checksum, eject, the starter configuration and what to do next. */
export function DoneStep() {
  const s = useInstall();
  const drive = s.drives.find((d) => d.path === s.device);
  const w = s.writeResult;
  const v = s.ventoyResult;
  const graphical = /graphical|gnome|plasma/.test(s.image?.fileName ?? '');

  return (
    <div className="stack install-step" data-testid="step-done">
      <Card className="done-card" testId="summary">
        <div className="done-head">
          <span className="done-icon">
            <Icon name="check" size={26} />
          </span>
          <div>
            <h2>{v ? 'The ISO is on your Ventoy stick' : w?.verified ? 'Your NixOS stick is ready and verified' : 'Your NixOS stick is written'}</h2>
            <p className="muted">
              {s.image?.fileName} → {drive ? `${driveName(drive)} (${driveSize(drive.size)}, ${drive.path})` : s.device}
            </p>
          </div>
        </div>
        {w ? (
          <dl className="facts">
            <dt>Written</dt>
            <dd>
              {formatBytes(w.bytesWritten)} in {formatDuration(w.writeSeconds)} ({formatBytes(w.bytesPerSecond)}/s{w.direct ? ', direct I/O' : ''})
            </dd>
            <dt>Verified</dt>
            <dd>{w.verified ? `read back in ${formatDuration(w.verifySeconds ?? 0)}: identical` : 'skipped'}</dd>
          </dl>
        ) : null}
        {v ? (
          <dl className="facts">
            <dt>Copied</dt>
            <dd>
              {formatBytes(v.bytes)} to {v.destination}
            </dd>
            <dt>Next to it</dt>
            <dd>{[v.checksumFile, v.configurationFile].filter(Boolean).join(', ') || '—'}</dd>
          </dl>
        ) : null}
        <div className="stack" data-testid="checksums">
          {s.image?.expectedSha256 ? <Checksum label={s.source === 'local' ? 'SHA-256 you gave' : 'Published SHA-256'} value={s.image.expectedSha256} /> : null}
          <Checksum label="SHA-256 of the image" value={s.image?.sha256 ?? null} ok={s.image?.expectedSha256 ? s.image.sha256 === s.image.expectedSha256 : null} />
          {w?.deviceSha256 ? <Checksum label="SHA-256 read back from the stick" value={w.deviceSha256} ok={w.deviceSha256 === s.image?.sha256} /> : null}
          {v?.verified ? <Checksum label="SHA-256 of the copy, read back from the stick" value={v.sha256} ok /> : null}
        </div>
        {v ? (
          <Banner kind="warn" title="About booting through Ventoy">
            <span>{VENTOY_WARNING}</span>
          </Banner>
        ) : null}
        <div className="row">
          {s.ejected ? (
            <Badge kind="ok">{s.ejected.message}</Badge>
          ) : (
            <button className="btn primary" onClick={() => void s.eject()} data-testid="eject">
              {drive?.transport === 'usb' ? 'Eject and power off' : 'Eject'}
            </button>
          )}
          <button className="btn ghost" onClick={() => s.restart()}>
            Make another stick
          </button>
        </div>
        {s.ejectError ? <ErrorBanner error={s.ejectError} /> : null}
      </Card>

      <Card title="Starter configuration" icon="terminal">
        <p className="muted">A first configuration.nix for the new system: fill in a few answers, save it, and copy it in during the installation (step 3 below).</p>
        <StarterConfigForm />
      </Card>

      <Card title="What to do next" icon="book">
        <AfterWriting graphical={graphical} />
      </Card>
    </div>
  );
}
