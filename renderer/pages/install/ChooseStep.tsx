import { useEffect, useState } from 'react';
import type { RpcError } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, formatBytes, TabPanel, Tabs } from '../../components/ui';
import { useInstall } from '../../stores/install';
import { inDesktopWindow, pathOfDroppedFile } from './local-file';

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

/** Offline, or the channel server is down: one plain empty state instead of empty choice cards. */
function CatalogUnavailable({ error, onLocal, onRetry }: { error: RpcError; onLocal: () => void; onRetry: () => void }) {
  return (
    <Card testId="catalog-unavailable">
      <div className="empty catalog-unavailable">
        <Icon name="alert" size={36} />
        <h2>The list of NixOS releases could not be fetched</h2>
        <p className="catalog-reason">{error.message}</p>
        <p>You can still make a stick from an ISO file you already have.</p>
        <div className="row">
          <button className="btn primary" onClick={onLocal} data-testid="catalog-use-local">
            <Icon name="disk" size={16} /> Use an ISO file I have
          </button>
          <button className="btn" onClick={onRetry}>
            Try again
          </button>
        </div>
        {error.detail ? (
          <details>
            <summary className="faint">Details</summary>
            <pre tabIndex={0}>{error.detail}</pre>
          </details>
        ) : null}
      </div>
    </Card>
  );
}

/** Files dragged over the window (not text or links). */
const carriesFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');

/** The path of an ISO file already here: typed, chosen with the system dialog (desktop window) or dropped. */
function LocalFileCard() {
  const s = useInstall();
  const desktop = inDesktopWindow();
  const [dragging, setDragging] = useState(false);
  /** the name of a file dropped in a browser, which cannot say where the file is */
  const [droppedName, setDroppedName] = useState<string | null>(null);

  useEffect(() => {
    // the whole window takes the drop, so a missed drop never replaces the app with the file
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!e.relatedTarget) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      const p = pathOfDroppedFile(file);
      if (p) {
        useInstall.getState().choose({ localPath: p });
        setDroppedName(null);
      } else setDroppedName(file.name);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);

  return (
    <Card title="An ISO file on this computer" icon="disk" className={dragging ? 'drop-target' : ''} testId="local-file">
      <div className="local-field">
        <label htmlFor="local-path">Path of the ISO file</label>
        <div className="path-row">
          <input id="local-path" type="text" value={s.localPath} onChange={(e) => s.choose({ localPath: e.target.value })} placeholder="/home/you/Downloads/nixos-graphical-25.05…-x86_64-linux.iso" spellCheck={false} data-testid="local-path" />
          {desktop ? (
            <button className="btn" onClick={() => void s.pickImage()} disabled={s.picking} data-testid="pick-image">
              Choose file…
            </button>
          ) : null}
        </div>
        <span className="hint" data-testid="local-path-hint">
          {desktop
            ? 'Choose the file, drop it on this window, or type its full path (starting with /). It is checked before anything is written.'
            : 'Type or paste the full path, starting with /. There is no file picker here: a browser does not tell the app where a file is saved (the desktop app has one).'}
        </span>
      </div>
      {s.pickError ? <ErrorBanner error={s.pickError} /> : null}
      {droppedName ? (
        <Banner kind="info" title={`You dropped “${droppedName}”`}>
          <span data-testid="dropped-in-browser">The browser gave the app its name but not where it is saved. Type or paste its full path in the box above, for example /home/you/Downloads/{droppedName}.</span>
        </Banner>
      ) : null}
      <label className="field">
        SHA-256 checksum (optional, recommended)
        <input type="text" value={s.localSha256} onChange={(e) => s.choose({ localSha256: e.target.value })} placeholder="Paste the hash, or the line from the .sha256 file" spellCheck={false} data-testid="local-sha256" />
        <span className="hint">Found next to the download as &lt;name&gt;.iso.sha256. If it does not match, the file is not offered for writing.</span>
      </label>
      <Banner kind="info" title="Any hybrid ISO works">
        <span>NixOS images are “isohybrid”: written byte for byte to a stick, they boot. A file that is not a disk image is refused before anything is written.</span>
      </Banner>
    </Card>
  );
}

export function ChooseStep() {
  const s = useInstall();
  useEffect(() => {
    if (!s.catalog && !s.catalogLoading && !s.catalogError) void s.loadCatalog();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const canContinue = s.source === 'local' ? s.localPath.trim().startsWith('/') : !!s.resolved && !s.resolving;
  const unavailable = s.source === 'download' && !s.catalog && !s.catalogLoading && s.catalogError ? s.catalogError : null;

  return (
    <div className="stack install-step" data-testid="step-choose">
      <Tabs
        id="image-source"
        label="Where the image comes from"
        className="segmented"
        tabClassName="segment"
        tabs={[
          { key: 'download', label: 'Download NixOS', icon: 'external' },
          { key: 'local', label: 'Use an ISO file I have', icon: 'disk' },
        ]}
        selected={s.source}
        onSelect={(source) => s.setSource(source)}
      />
      <TabPanel id="image-source" selected={s.source} className="stack install-step">

        {unavailable ? (
          <CatalogUnavailable error={unavailable} onLocal={() => s.setSource('local')} onRetry={() => void s.loadCatalog()} />
        ) : s.source === 'download' ? (
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
            {s.catalog ? (
              <div className="grid-2">
                <Card title="Edition" icon="box">
                  <div className="choices single" role="radiogroup" aria-label="Edition">
                    {s.catalog.editions.map((e) => (
                      <OptionCard key={e.id} name="edition" value={e.id} checked={s.edition === e.id} onChange={() => s.choose({ edition: e.id as 'minimal' | 'graphical' })} title={e.label} description={e.description} badge={e.id === 'graphical' ? 'Easiest' : undefined} testId={`edition-${e.id}`} />
                    ))}
                  </div>
                </Card>
                <Card title="Architecture" icon="system">
                  <div className="choices single" role="radiogroup" aria-label="Architecture">
                    {s.catalog.arches.map((a) => (
                      <OptionCard key={a.id} name="arch" value={a.id} checked={s.arch === a.id} onChange={() => s.choose({ arch: a.id as 'x86_64' | 'aarch64' })} title={a.label} description={a.description} badge={a.id === s.catalog?.machineArch ? 'This computer' : undefined} testId={`arch-${a.id}`} />
                    ))}
                  </div>
                </Card>
              </div>
            ) : null}
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
          <LocalFileCard />
        )}

        {unavailable ? null : (
          <div className="step-actions">
            <span className="faint">{s.source === 'download' ? 'The download is checked against the SHA-256 published with it.' : 'The file is checked before anything is written.'}</span>
            <button className="btn primary" disabled={!canContinue} onClick={() => void s.startImage()} data-testid="start-image">
              {s.source === 'local' ? 'Check this file' : s.resolved?.cachedPath ? 'Use the downloaded copy' : 'Download and verify'}
              <Icon name="arrowRight" size={16} />
            </button>
          </div>
        )}
      </TabPanel>
    </div>
  );
}
