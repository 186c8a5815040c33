import { useEffect } from 'react';
import { Banner, ErrorBanner } from '../../components/ui';
import { starterRelease, useInstall } from '../../stores/install';

const desktops = [
  { id: 'gnome', label: 'GNOME' },
  { id: 'plasma', label: 'KDE Plasma' },
  { id: 'xfce', label: 'Xfce (light)' },
  { id: 'none', label: 'None (server)' },
] as const;

/** The short form that becomes a commented configuration.nix, checked by nix-instantiate --parse. */
export function StarterConfigForm({ compact = false }: { compact?: boolean }) {
  const { starter, setStarter, generateStarter, saveStarter, image, resolved } = useInstall();
  const f = starter.form;
  const release = starterRelease({ image, resolved });
  useEffect(() => {
    if (!f.userName) return;
    const t = setTimeout(() => void generateStarter(), 400);
    return () => clearTimeout(t);
  }, [f.hostname, f.userName, f.fullName, f.timeZone, f.keyboardLayout, f.locale, f.desktop, f.ssh, f.flakes, release]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className={`starter ${compact ? 'compact' : ''}`} data-testid="starter-config">
      <div className="starter-form">
        <label className="field">
          Computer name
          <input type="text" value={f.hostname} onChange={(e) => setStarter({ hostname: e.target.value })} spellCheck={false} />
        </label>
        <label className="field">
          Your user name
          <input type="text" value={f.userName} onChange={(e) => setStarter({ userName: e.target.value.toLowerCase() })} placeholder="alice" spellCheck={false} data-testid="starter-user" />
        </label>
        <label className="field">
          Full name
          <input type="text" value={f.fullName ?? ''} onChange={(e) => setStarter({ fullName: e.target.value })} placeholder="Alice Liddell" />
        </label>
        <label className="field">
          Time zone
          <input type="text" value={f.timeZone} onChange={(e) => setStarter({ timeZone: e.target.value })} spellCheck={false} />
        </label>
        <label className="field">
          Keyboard layout
          <input type="text" value={f.keyboardLayout} onChange={(e) => setStarter({ keyboardLayout: e.target.value })} spellCheck={false} />
        </label>
        <label className="field">
          Language (locale)
          <input type="text" value={f.locale} onChange={(e) => setStarter({ locale: e.target.value })} spellCheck={false} />
        </label>
        <label className="field">
          Desktop
          <select value={f.desktop} onChange={(e) => setStarter({ desktop: e.target.value as (typeof desktops)[number]['id'] })}>
            {desktops.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <div className="starter-checks">
          <label className="check">
            <input type="checkbox" checked={f.ssh} onChange={(e) => setStarter({ ssh: e.target.checked })} /> Allow SSH logins
          </label>
          <label className="check">
            <input type="checkbox" checked={f.flakes} onChange={(e) => setStarter({ flakes: e.target.checked })} /> Turn on flakes
          </label>
        </div>
      </div>
      {starter.error ? <ErrorBanner error={starter.error} /> : null}
      {!f.userName ? <p className="faint">Fill in your user name to see the configuration.</p> : null}
      {starter.content ? (
        <>
          <div className="row">
            {release ? <span className="faint">For NixOS {release}, the release on your stick.</span> : null}
            {starter.valid ? (
              <span className="badge ok">{starter.checked ? 'Checked with nix-instantiate --parse' : 'Nix is not installed here, so it was not parsed'}</span>
            ) : (
              <span className="badge danger">Does not parse</span>
            )}
          </div>
          {starter.parseError ? <pre className="starter-error">{starter.parseError}</pre> : null}
          <pre className="starter-preview" data-testid="starter-preview" tabIndex={0} role="region" aria-label="Preview of configuration.nix">
            {starter.content}
          </pre>
        </>
      ) : null}
      {!compact ? (
        <div className="row">
          <button className="btn" disabled={!f.userName || starter.busy || starter.valid === false} onClick={() => void saveStarter()} data-testid="starter-save">
            Save configuration.nix
          </button>
          {starter.savedPath ? (
            <Banner kind="info" title="Saved">
              <span className="mono">{starter.savedPath}</span>
            </Banner>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
