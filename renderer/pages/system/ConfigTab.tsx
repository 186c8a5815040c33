import { useCallback, useEffect, useMemo, useState } from 'react';
import { Icon } from '../../components/Icon';
import { NixEditor, type NixProblem } from '../../components/NixEditor';
import { Badge, Banner, Card, ErrorBanner, formatDate } from '../../components/ui';
import { useNavigation } from '../../stores/navigation';
import { useSystemRebuild } from '../../stores/system-rebuild';
import { NixErrorPanel } from './RebuildTab';
import './system-write.css';

/** `config/hosts/a.nix:12` -> { file: 'hosts/a.nix', line: 12 } */
function parseTarget(navPath: string): { file: string | null; line: number | null } {
  const rest = navPath.replace(/^config\/?/, '');
  if (!rest) return { file: null, line: null };
  const m = /^(.*?)(?::(\d+))?$/.exec(decodeURIComponent(rest));
  return { file: m?.[1] || null, line: m?.[2] ? Number(m[2]) : null };
}

/** "Line 18 is missing a `;` …" stands as it is; Nix's own messages get their line and column in front. Backquoted parts show as code. */
function ProblemText({ line, column, message }: { line: number; column: number; message: string }) {
  const text = message.startsWith(`Line ${line} `) ? message : `Line ${line}, column ${column}: ${message}`;
  return <span>{text.split(/(`[^`]+`)/).map((part, i) => (i % 2 === 1 ? <code key={i}>{part.slice(1, -1)}</code> : part))}</span>;
}

export function ConfigTab() {
  const navPath = useNavigation((s) => s.path);
  const go = useNavigation((s) => s.go);
  const target = useMemo(() => parseTarget(navPath), [navPath]);
  const s = useSystemRebuild();
  const { config, configError, draft, parseErrors, evaluation, evaluating, saving, backups } = s;
  const [goto, setGoto] = useState<{ line: number; column?: number; nonce: number } | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    void s.loadConfig(target.file ?? undefined).then(() => {
      void useSystemRebuild.getState().loadBackups();
      if (target.line) setGoto({ line: target.line, nonce: Date.now() });
    });
    // reload when the file or line in the address changes
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [target.file, target.line]);

  const dirty = config?.file ? draft !== config.file.content : false;
  const check = useCallback(async (): Promise<NixProblem[]> => useSystemRebuild.getState().parseDraft(), []);
  const save = useCallback(async () => {
    const errors = await useSystemRebuild.getState().parseDraft();
    if (errors.length) return;
    setSaved(await useSystemRebuild.getState().saveConfig());
  }, []);

  const openFile = (file: string) => go('system', `config/${file}`);

  return (
    <div className="config-tab" data-testid="config-tab">
      <Card className="config-files" title="Files" icon="layers">
        {config ? (
          <>
            <p className="faint mono">{config.dir}</p>
            <p className="faint">
              {config.kind === 'flake' ? 'A flake configuration (flake.nix).' : config.kind === 'channels' ? 'A channel-based configuration (configuration.nix).' : 'No configuration.nix or flake.nix here.'}
              {config.isGitRepo ? ' Kept in git.' : ''}
            </p>
            <ul className="file-list">
              {config.files.map((f) => (
                <li key={f.path}>
                  <button className={`file-item ${config.file?.path === f.path ? 'selected' : ''}`} onClick={() => openFile(f.path)} title={f.imported ? 'Part of the configuration (imported)' : 'Not imported by the main file'}>
                    <span className="mono">{f.path}</span>
                    {f.path === config.mainFile ? <Badge kind="accent">main</Badge> : f.imported ? <Badge>imported</Badge> : null}
                  </button>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <div className="skeleton" />
        )}
        {backups.length ? (
          <details className="backups">
            <summary>Backups ({backups.length})</summary>
            <ul className="file-list">
              {backups.slice(0, 30).map((b) => (
                <li key={b.name} className="spread">
                  <span className="faint" title={b.name}>
                    {formatDate(b.date)}
                  </span>
                  <button className="btn small ghost" onClick={() => void s.restoreBackup(b.name)} title="Put this copy back (the current file is saved as a backup first)">
                    Restore
                  </button>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </Card>

      <Card
        className="config-editor-card"
        title={<span className="mono">{config?.file?.path ?? 'No file'}</span>}
        icon="terminal"
        actions={
          <div className="row">
            {dirty ? <Badge kind="warn">Unsaved</Badge> : saved ? <Badge kind="ok">Saved</Badge> : null}
            <button className="btn small" disabled={!dirty} onClick={() => s.setDraft(config?.file?.content ?? '')}>
              Undo changes
            </button>
            <button className="btn small" data-testid="config-evaluate" disabled={evaluating || dirty} onClick={() => void s.evaluate()} title={dirty ? 'Save first: evaluation reads the saved files' : 'Evaluate the whole configuration without building'}>
              {evaluating ? 'Evaluating…' : 'Evaluate'}
            </button>
            <button className="btn small primary" data-testid="config-save" disabled={!dirty || saving || parseErrors.length > 0} onClick={() => void save()}>
              {saving ? 'Saving…' : 'Save'}
            </button>
          </div>
        }
      >
        {configError ? <ErrorBanner error={configError} /> : null}
        {config?.file ? (
          <NixEditor
            value={draft}
            onChange={(t) => {
              setSaved(false);
              s.setDraft(t);
            }}
            check={check}
            goto={goto}
            onSave={() => void save()}
          />
        ) : config ? (
          <div className="empty">
            <Icon name="terminal" size={36} />
            <h2>No configuration found</h2>
            <p>There is no configuration.nix or flake.nix in {config.dir}.</p>
          </div>
        ) : null}
        {parseErrors.length ? (
          <div className="parse-errors" data-testid="parse-errors" role="status">
            {parseErrors.map((e) => (
              <button key={`${e.line}:${e.column}`} className="parse-error" onClick={() => setGoto({ line: e.line, column: e.column, nonce: Date.now() })}>
                <Icon name="alert" size={14} /> <ProblemText line={e.line} column={e.column} message={e.message} />
              </button>
            ))}
          </div>
        ) : null}
        {evaluation ? (
          evaluation.ok ? (
            <Banner kind="info" title="The configuration evaluates without errors.">
              <span className="faint" data-testid="evaluation-ok">
                A build would make {evaluation.wouldBuild} derivation{evaluation.wouldBuild === 1 ? '' : 's'} and fetch {evaluation.wouldFetch} path{evaluation.wouldFetch === 1 ? '' : 's'} ({evaluation.seconds.toFixed(1)} s).
              </span>
            </Banner>
          ) : evaluation.error ? (
            <NixErrorPanel
              error={{ code: 'nix-error', message: `Evaluation failed: ${evaluation.error.message}`, detail: evaluation.error.text, ...(evaluation.error.location ? { location: evaluation.error.location } : {}), ...(evaluation.error.explanation ? { explanation: evaluation.error.explanation } : {}) }}
              configDir={config?.dir}
            />
          ) : null
        ) : null}
      </Card>
    </div>
  );
}
