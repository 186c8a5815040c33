import { useCallback, useEffect, useState } from 'react';
import { NixEditor, type NixProblem } from '../../components/NixEditor';
import { Banner, Card, ErrorBanner } from '../../components/ui';
import { useHome } from '../../stores/home';
import { HomeForm } from './HomeForm';

/** home.nix in the same Nix editor as the system configuration; parse errors inline; atomic save with a backup. */
export function EditorTab() {
  const { status, config, draft, setDraft, validate, saveConfig, saving, savedAt, configError, loadConfig, startSwitch } = useHome();
  const [showForm, setShowForm] = useState(false);
  const [nonce, setNonce] = useState(0);
  useEffect(() => void loadConfig(), [loadConfig]);
  const check = useCallback(async (text: string): Promise<NixProblem[]> => {
    const error = await useHome.getState().validate(text);
    return error ? [{ line: error.line ?? 1, column: error.column ?? 1, message: error.message }] : [];
  }, []);
  const dirty = config ? draft !== config.content : false;
  const save = async (andSwitch = false) => {
    if (await validate(draft)) return;
    if ((await saveConfig()) && andSwitch) void startSwitch();
  };

  return (
    <div className="stack" data-testid="home-editor">
      <Card
        title="home.nix"
        icon="terminal"
        actions={
          <div className="row">
            <button className="btn small" onClick={() => setShowForm((v) => !v)}>
              {showForm ? 'Back to the editor' : 'Start over from the form'}
            </button>
            <button className="btn small" disabled={!dirty || saving} onClick={() => void save()} data-testid="editor-save">
              Save
            </button>
            <button className="btn small primary" disabled={saving} onClick={() => void save(true)} data-testid="editor-save-switch">
              Save and switch
            </button>
          </div>
        }
      >
        {config ? <p className="faint mono hm-path" title={config.path}>{config.path}</p> : null}
        {configError ? <ErrorBanner error={configError} onRetry={() => void loadConfig()} /> : null}
        {savedAt && !dirty ? <Banner kind="info" title="Saved. The previous version was kept as a backup next to it." /> : null}
        {showForm ? (
          <HomeForm
            status={status}
            useLabel="Put this in the editor"
            onUse={(content) => {
              setDraft(content);
              setNonce((n) => n + 1);
              setShowForm(false);
            }}
          />
        ) : config ? (
          <NixEditor key={`${config.sha256}-${nonce}`} value={draft} onChange={setDraft} check={check} onSave={() => void save()} />
        ) : null}
      </Card>
    </div>
  );
}
