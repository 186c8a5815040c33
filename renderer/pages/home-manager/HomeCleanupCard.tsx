import { useState, type FormEvent } from 'react';
import { Banner, Card, ErrorBanner, formatDate } from '../../components/ui';
import { useHome } from '../../stores/home';

/** Ranges for a list of generation numbers: 1, 2, 3, 7 -> "1–3, 7". */
function ranges(numbers: number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j > i ? `${sorted[i]}–${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return out.join(', ');
}

const profileName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * Clean up, Home Manager part: old Home Manager generations by `home-manager expire-generations`'s own
 * rule, and what `nix-collect-garbage -d` would delete beyond that. Runs as the user; no password.
 */
export function HomeCleanupCard() {
  const { expire, expireError, expireBusy, expireGenerations, clearExpire } = useHome();
  const [days, setDays] = useState(30);
  const preview = (e: FormEvent) => {
    e.preventDefault();
    void expireGenerations(days, true);
  };
  const previewed = expire?.dryRun ? expire : null;
  const removed = expire && !expire.dryRun ? expire : null;

  return (
    <Card title="Home Manager generations" icon="user" testId="home-cleanup">
      <p className="muted">
        As <span className="mono">home-manager expire-generations "-{days} days"</span> does: every Home Manager generation made {days} day{days === 1 ? '' : 's'} ago or earlier (by the date{' '}
        <span className="mono">home-manager generations</span> shows) is removed, except the current one. Unlike the rule above, the generation that was in use {days} days ago is not kept. Your own
        generations: no password needed.
      </p>
      <form className="row sr-rule" onSubmit={preview}>
        <span>Older than</span>
        <input type="number" min={1} max={36500} value={days} aria-label="Home Manager days" onChange={(e) => setDays(Math.max(1, Math.floor(Number(e.target.value) || 1)))} className="sr-number" />
        <span>days</span>
        <button className="btn" type="submit" disabled={expireBusy} data-testid="home-cleanup-preview">
          {expireBusy && !previewed ? 'Looking…' : 'Preview'}
        </button>
      </form>
      {expireError ? <ErrorBanner error={expireError} /> : null}
      {previewed ? (
        <div className="stack sr-preview" data-testid="home-cleanup-result">
          <div>
            {previewed.generations.length ? (
              <>
                <strong>
                  {previewed.generations.length} generation{previewed.generations.length === 1 ? '' : 's'} would be removed:
                </strong>{' '}
                <span className="mono">{ranges(previewed.generations)}</span> (dated {formatDate(previewed.cutoff)} or earlier)
              </>
            ) : (
              `No Home Manager generation is dated ${formatDate(previewed.cutoff)} or earlier.`
            )}
          </div>
          {previewed.keptCurrent !== null ? <div className="faint">Generation {previewed.keptCurrent} is that old too, but it is the current one: it stays.</div> : null}
          {previewed.beyond.length ? (
            <div className="faint" data-testid="home-cleanup-beyond">
              <span>
                <span className="mono">nix-collect-garbage -d</span> run as you would go further and delete every generation but the current one of each of your profiles:
              </span>
              <ul className="hm-files">
                {previewed.beyond.map((p) => (
                  <li key={p.profile}>
                    <span className="mono">{profileName(p.profile)}</span>: {ranges(p.generations)}
                    {p.current !== null ? ` (keeps ${p.current})` : ''}
                  </li>
                ))}
              </ul>
              <span>Run as root, it does the same to the system profile and every other profile under /nix/var/nix/profiles.</span>
            </div>
          ) : null}
          <div className="row">
            {previewed.generations.length ? (
              <button className="btn danger solid" disabled={expireBusy} onClick={() => void expireGenerations(days, false)} data-testid="home-cleanup-confirm">
                Remove {previewed.generations.length} generation{previewed.generations.length === 1 ? '' : 's'}
              </button>
            ) : null}
            <button className="btn ghost" onClick={clearExpire}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {removed ? (
        <Banner kind="info" title={removed.generations.length ? `Removed Home Manager generation${removed.generations.length === 1 ? '' : 's'} ${ranges(removed.generations)}` : 'Nothing was removed.'}>
          <span>Their files stay in the Nix store until the garbage is collected below.</span>
        </Banner>
      ) : null}
    </Card>
  );
}
