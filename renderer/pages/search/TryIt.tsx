import { useState } from 'react';
import type { PackageResult, RpcError, TryPackageResult } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { Banner, ErrorBanner } from '../../components/ui';
import { call, errorOf } from '../../lib/bridge';
import './try-it.css';

function CopyCommand({ command }: { command: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="try-command">
      <code data-testid="try-command">{command}</code>
      <button className="btn small" onClick={() => void copy()} data-testid="try-copy">
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/**
 * Try a package without installing it: a terminal with a shell that has it, or its program started
 * directly. When there is no terminal to open, the command to run by hand, with a copy button.
 */
export function TryIt({ pkg }: { pkg: PackageResult }) {
  const [result, setResult] = useState<TryPackageResult | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (mode: 'shell' | 'run') => {
    setBusy(true);
    setError(null);
    try {
      setResult(await call('search.tryPackage', { attr: pkg.attr, mode, ...(mode === 'run' && pkg.mainProgram ? { program: pkg.mainProgram } : {}) }));
    } catch (e) {
      setError(errorOf(e));
      setResult(null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="try-it stack-tight" data-testid="try-it">
      <div className="row">
        <button className="btn" onClick={() => void run('shell')} disabled={busy} data-testid="try-shell" title="Opens your terminal with a shell that has this package; nothing is installed">
          <Icon name="terminal" size={15} /> Try it in a terminal
        </button>
        {pkg.mainProgram ? (
          <button className="btn" onClick={() => void run('run')} disabled={busy} data-testid="try-run" title={`Starts ${pkg.mainProgram} without installing it (for graphical programs)`}>
            <Icon name="play" size={15} /> Run {pkg.mainProgram}
          </button>
        ) : null}
      </div>
      {error ? <ErrorBanner error={error} /> : null}
      {result ? (
        <Banner kind={result.launched ? 'info' : 'warn'} title={result.launched ? (result.terminal ? `Opened in ${result.terminal}` : 'Starting it') : 'Run it in a terminal yourself'}>
          <span className="try-message" data-testid="try-message">
            {result.message}
          </span>
          {result.launched ? (
            <span className="faint">
              {' '}
              Runs <code>{result.command}</code>
            </span>
          ) : (
            <CopyCommand command={result.command} />
          )}
        </Banner>
      ) : (
        <p className="faint">Nothing is installed: the package lives in the Nix store until the next garbage collection.</p>
      )}
    </div>
  );
}
