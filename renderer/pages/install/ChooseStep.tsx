import { useEffect } from 'react';
import { Icon } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, formatBytes } from '../../components/ui';
import { useInstall } from '../../stores/install';

function OptionCard({ name, value, checked, onChange, title, meta, description, badge, testId }: { name: string; value: string; checked: boolean; onChange: () => void; title: string; meta?: string | null; description: string; badge?: string; testId?: string }) {
  return (
    <label className={`choice ${checked ? 'checked' : ''}`} data-testid={testId}>
      <input type="radio" name={name} value={value} checked={checked} onChange={onChange} />
      <span className="choice-body">
        <span className="choice-title">
          {title}
          {badge ? <Badge kind="accent">{badge}</Badge> : null}
        </span>
        {meta ? <span className="choice-meta mono">{meta}</span> : null}
        <span className="choice-desc">{description}</span>
      </span>
    </label>
  );
}

export function ChooseStep() {
  const s = useInstall();
  useEffect(() => {
    if (!s.catalog && !s.catalogLoading && !s.catalogError) void s.loadCatalog();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const canContinue = s.source === 'local' ? s.localPath.trim().startsWith('/') : !!s.resolved && !s.resolving;

  return (
    <div className="stack install-step" data-testid="step-choose">
      <div className="segmented" role="tablist" aria-label="Where the image comes from">
        <button role="tab" aria-selected={s.source === 'download'} className="segment" onClick={() => s.setSource('download')}>
          <Icon name="external" size={16} /> Download NixOS
        </button>
        <button role="tab" aria-selected={s.source === 'local'} className="segment" onClick={() => s.setSource('local')}>
          <Icon name="disk" size={16} /> Use an ISO file I have
        </button>
      </div>

      {s.source === 'download' ? (
        <>
          {s.catalogError ? <ErrorBanner error={s.catalogError} onRetry={() => void s.loadCatalog()} /> : null}
          <Card title="Release" icon="layers">
            {s.catalogLoading && !s.catalog ? (
              <div className="stack">
                <div className="skeleton" style={{ width: '60%' }} />
                <div className="skeleton" style={{ width: '45%' }} />
                <p className="faint">Asking the channel server which releases are current…</p>
              </div>
            ) : (
              <div className="choices" role="radiogroup" aria-label="Release">
                {s.catalog?.releases.map((r) => (
                  <OptionCard key={r.channel} name="release" value={r.channel} checked={s.channel === r.channel} onChange={() => s.choose({ channel: r.channel })} title={r.label} meta={r.version} description={r.description} testId={`release-${r.channel}`} />
                ))}
              </div>
            )}
          </Card>
          <div className="grid-2">
            <Card title="Edition" icon="box">
              <div className="choices single" role="radiogroup" aria-label="Edition">
                {s.catalog?.editions.map((e) => (
                  <OptionCard key={e.id} name="edition" value={e.id} checked={s.edition === e.id} onChange={() => s.choose({ edition: e.id as 'minimal' | 'graphical' })} title={e.label} description={e.description} badge={e.id === 'graphical' ? 'Easiest' : undefined} testId={`edition-${e.id}`} />
                ))}
              </div>
            </Card>
            <Card title="Architecture" icon="system">
              <div className="choices single" role="radiogroup" aria-label="Architecture">
                {s.catalog?.arches.map((a) => (
                  <OptionCard key={a.id} name="arch" value={a.id} checked={s.arch === a.id} onChange={() => s.choose({ arch: a.id as 'x86_64' | 'aarch64' })} title={a.label} description={a.description} badge={a.id === s.catalog?.machineArch ? 'This computer' : undefined} testId={`arch-${a.id}`} />
                ))}
              </div>
            </Card>
          </div>
          {s.resolveError ? <ErrorBanner error={s.resolveError} onRetry={() => void s.resolve()} /> : null}
          {s.resolved ? (
            <div className="resolved" data-testid="resolved">
              <Icon name="box" />
              <div className="resolved-body">
                <div className="mono resolved-name">{s.resolved.fileName}</div>
                <div className="faint">
                  {s.resolved.size !== null ? formatBytes(s.resolved.size) : 'size unknown'} · from {new URL(s.resolved.url).host}
                  {s.resolved.cachedPath ? ' · already downloaded and checked' : ''}
                </div>
              </div>
              {s.resolved.cachedPath ? <Badge kind="ok">In cache</Badge> : null}
            </div>
          ) : s.resolving ? (
            <p className="faint">Finding the exact image…</p>
          ) : null}
        </>
      ) : (
        <Card title="An ISO file on this computer" icon="disk">
          <label className="field">
            Path of the ISO file
            <input type="text" value={s.localPath} onChange={(e) => s.choose({ localPath: e.target.value })} placeholder="/home/you/Downloads/nixos-graphical-25.05…-x86_64-linux.iso" spellCheck={false} data-testid="local-path" />
            <span className="hint">The full path, starting with /. The file is checked before anything is written.</span>
          </label>
          <label className="field">
            SHA-256 checksum (optional, recommended)
            <input type="text" value={s.localSha256} onChange={(e) => s.choose({ localSha256: e.target.value })} placeholder="Paste the hash, or the line from the .sha256 file" spellCheck={false} data-testid="local-sha256" />
            <span className="hint">Found next to the download as &lt;name&gt;.iso.sha256. If it does not match, the file is not offered for writing.</span>
          </label>
          <Banner kind="info" title="Any hybrid ISO works">
            <span>NixOS images are “isohybrid”: written byte for byte to a stick, they boot. The app tells you if a file is not.</span>
          </Banner>
        </Card>
      )}

      <div className="step-actions">
        <span className="faint">{s.source === 'download' ? 'The download is checked against the SHA-256 published with it.' : ''}</span>
        <button className="btn primary" disabled={!canContinue} onClick={() => void s.startImage()} data-testid="start-image">
          {s.source === 'local' ? 'Check this file' : s.resolved?.cachedPath ? 'Use the downloaded copy' : 'Download and verify'}
          <Icon name="arrowRight" size={16} />
        </button>
      </div>
    </div>
  );
}
