import { useEffect, useState } from 'react';
import { homePrograms, homeShells, type HomeForm as Form, type HomeStatus, type NixParseError } from '../../../shared/contract';
import { Banner } from '../../components/ui';
import { useHome } from '../../stores/home';
import { PackagePicker } from './PackagePicker';

const programWords: Record<(typeof homePrograms)[number], string> = {
  direnv: 'direnv — per-folder environments',
  fzf: 'fzf — fuzzy finder',
  starship: 'starship — a friendly prompt',
  neovim: 'Neovim — editor',
  htop: 'htop — process viewer',
  bat: 'bat — cat with colours',
  tmux: 'tmux — terminal multiplexer',
  zoxide: 'zoxide — smarter cd',
  eza: 'eza — modern ls',
  jq: 'jq — JSON tool',
  ripgrep: 'ripgrep — fast search',
};

/** the home-manager release the system matches, as the form's stateVersion and option names want it */
function defaultRelease(status: HomeStatus | null): { stateVersion: string; release: string } {
  const sys = status?.system;
  if (sys?.release) return { stateVersion: sys.release, release: sys.unstable ? 'unstable' : sys.release };
  return { stateVersion: '24.11', release: '24.11' };
}

/**
 * A home.nix from a few answers: who you are, your packages, git, shell and some common programs.
 * The preview is the real generated text, checked by the real Nix parser.
 */
export function HomeForm({ status, onUse, useLabel }: { status: HomeStatus | null; onUse: (content: string) => void; useLabel: string }) {
  const generate = useHome((s) => s.generate);
  const home = status?.config.path.replace(/\/\.config\/(home-manager|nixpkgs)\/home\.nix$/, '') ?? '';
  const rel = defaultRelease(status);
  const [form, setForm] = useState<Form>({
    username: home.split('/').pop() || '',
    homeDirectory: home,
    stateVersion: rel.stateVersion,
    packages: [],
    git: { enable: false, name: '', email: '' },
    shell: 'bash',
    programs: ['direnv'],
    release: rel.release,
  });
  const [preview, setPreview] = useState<{ content: string; parseError: NixParseError | null } | null>(null);
  const formError = !form.username ? 'Your user name is needed.' : !form.homeDirectory.startsWith('/') ? 'The home folder must be a full path, like /home/alice.' : null;

  useEffect(() => {
    if (formError) return;
    const t = setTimeout(() => {
      void generate(form).then((r) => r && setPreview(r));
    }, 250);
    return () => clearTimeout(t);
  }, [form, formError, generate]);

  const update = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const toggleProgram = (p: (typeof homePrograms)[number]) => update({ programs: form.programs.includes(p) ? form.programs.filter((x) => x !== p) : [...form.programs, p] });

  return (
    <div className="hm-form" data-testid="home-form">
      <div className="hm-form-fields">
        <div className="grid-2">
          <label className="field">
            User name
            <input value={form.username} onChange={(e) => update({ username: e.target.value.trim() })} data-testid="form-username" />
          </label>
          <label className="field">
            Home folder
            <input value={form.homeDirectory} onChange={(e) => update({ homeDirectory: e.target.value.trim() })} data-testid="form-home" />
          </label>
        </div>
        <PackagePicker value={form.packages} onChange={(packages) => update({ packages })} />
        <fieldset className="hm-fieldset">
          <legend>Git</legend>
          <label className="row">
            <input type="checkbox" checked={form.git.enable} onChange={(e) => update({ git: { ...form.git, enable: e.target.checked } })} data-testid="form-git" /> Set up git with my name and email
          </label>
          {form.git.enable ? (
            <div className="grid-2">
              <label className="field">
                Name on commits
                <input value={form.git.name} onChange={(e) => update({ git: { ...form.git, name: e.target.value.replace(/["\\$\n]/g, '') } })} data-testid="form-git-name" />
              </label>
              <label className="field">
                Email
                <input value={form.git.email} onChange={(e) => update({ git: { ...form.git, email: e.target.value.replace(/["\\$\s]/g, '') } })} data-testid="form-git-email" />
              </label>
            </div>
          ) : null}
        </fieldset>
        <fieldset className="hm-fieldset">
          <legend>Shell</legend>
          <div className="row">
            {homeShells.map((sh) => (
              <label key={sh} className="row hm-choice">
                <input type="radio" name="hm-shell" checked={form.shell === sh} onChange={() => update({ shell: sh })} /> {sh === 'none' ? 'Leave my shell alone' : sh}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset className="hm-fieldset">
          <legend>Programs Home Manager sets up for you</legend>
          <div className="hm-programs">
            {homePrograms.map((p) => (
              <label key={p} className="row hm-choice">
                <input type="checkbox" checked={form.programs.includes(p)} onChange={() => toggleProgram(p)} /> {programWords[p]}
              </label>
            ))}
          </div>
        </fieldset>
        <p className="faint">
          home.stateVersion will be <span className="mono">{form.stateVersion}</span>, the release your system uses. Keep it when you upgrade later.
        </p>
      </div>
      <div className="hm-preview">
        <div className="spread">
          <strong>Preview</strong>
          {preview?.parseError ? <span className="badge danger">Nix cannot read this</span> : preview ? <span className="badge ok">Nix reads it</span> : null}
        </div>
        {formError ? <Banner kind="warn" title={formError} /> : null}
        <pre className="hm-code" data-testid="home-preview" tabIndex={0} role="region" aria-label="Preview of home.nix">{preview?.content ?? ''}</pre>
        <div className="row">
          <button className="btn primary" disabled={!preview || !!preview.parseError || !!formError} onClick={() => preview && onUse(preview.content)} data-testid="form-use">
            {useLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
