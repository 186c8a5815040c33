import { useState } from 'react';
import type { ErrorExplanation as Explanation, FixAction } from '../../shared/contract';
import { AddDialog } from '../pages/search/AddDialog';
import { useNavigation, type Area } from '../stores/navigation';
import { useSearch } from '../stores/search';
import './error-explanation.css';

/** `/etc/nixos/hosts/a.nix` -> `hosts/a.nix` when under the folder */
function under(file: string, dir: string | undefined): string | null {
  if (!dir) return null;
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return file.startsWith(base) ? file.slice(base.length) : null;
}

function Command({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="fix-command">
      <code>{text}</code>
      <button
        className="btn small ghost"
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(() => setCopied(true));
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}

/**
 * A recognised failure in plain words, with each fix as a button where the app can apply it: open the
 * file at the line, add a setting (previewed, backed up), open a page, retry; otherwise the command to copy.
 */
export function ErrorExplanation({ explanation, configDir, onRetryWithBackup }: { explanation: Explanation; configDir?: string; onRetryWithBackup?: () => void }) {
  const go = useNavigation((s) => s.go);
  const [adding, setAdding] = useState(false);

  const run = (action: FixAction): (() => void) | null => {
    switch (action.kind) {
      case 'open-file': {
        const rel = under(action.file, configDir);
        if (rel) return () => go('system', `config/${rel}:${action.line}`);
        if (action.file.endsWith('/home.nix')) return () => go('home-manager', 'config');
        return null;
      }
      case 'add-to-config':
        return () => {
          setAdding(true);
          void useSearch.getState().startAdd(action.target, { kind: 'setting', name: action.option, value: action.value });
        };
      case 'open-page':
        return () => {
          const [area, ...rest] = action.route.replace(/^#\//, '').split('/');
          go(area as Area, rest.join('/'));
        };
      case 'retry-with-backup':
        return onRetryWithBackup ?? null;
      case 'git-add':
        return null;
    }
  };

  return (
    <div className="error-explanation" data-testid="error-explanation" data-code={explanation.code}>
      <p className="explanation-text">{explanation.explanation}</p>
      {explanation.suggestions?.length ? (
        <p data-testid="explanation-suggestions">
          Did you mean{' '}
          {explanation.suggestions.map((s, i) => (
            <span key={s}>
              {i > 0 ? (i === explanation.suggestions!.length - 1 ? ' or ' : ', ') : ''}
              <code>{s}</code>
            </span>
          ))}
          ?
        </p>
      ) : null}
      {explanation.fixes.length ? (
        <ul className="fixes" aria-label="How to fix it">
          {explanation.fixes.map((fix, i) => {
            const act = fix.action ? run(fix.action) : null;
            return (
              <li key={i} className="fix">
                {act ? (
                  <button className={`btn small${i === 0 ? ' primary' : ''}`} data-testid={`fix-${fix.action!.kind}`} onClick={act}>
                    {fix.label}
                  </button>
                ) : (
                  <strong>{fix.label}</strong>
                )}
                {fix.detail ? <span className="muted"> {fix.detail}</span> : null}
                {fix.command ? <Command text={fix.command} /> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      {adding ? <AddDialog /> : null}
    </div>
  );
}
