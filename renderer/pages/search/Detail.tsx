import type { OptionResult, OptionValue, PackageResult } from '../../../shared/contract';
import { Badge } from '../../components/ui';
import { Icon } from '../../components/Icon';
import { useLearn } from '../../stores/learn';
import { useSearch } from '../../stores/search';
import { Markdown } from './Markdown';
import { TryIt } from './TryIt';

function ExternalLink({ url, label, fromPackage }: { url: string; label?: string; fromPackage?: string }) {
  const open = useLearn((s) => s.open);
  return (
    <a
      href={url}
      className="ext-link"
      onClick={(e) => {
        e.preventDefault();
        void open(url, fromPackage);
      }}
    >
      {label ?? url}
      <Icon name="external" size={13} />
    </a>
  );
}

function Value({ value }: { value: OptionValue }) {
  if (!value) return <span className="faint">none</span>;
  if (value.kind === 'markdown') return <Markdown text={value.text} />;
  return (
    <pre className="code nix" tabIndex={0}>
      {value.text}
    </pre>
  );
}

export function PackageDetail({ pkg }: { pkg: PackageResult }) {
  const startAdd = useSearch((s) => s.startAdd);
  const sourceUrl = pkg.position ? `https://github.com/NixOS/nixpkgs/blob/master/${pkg.position.replace(/:(\d+)$/, '#L$1')}` : null;
  return (
    <div className="detail" data-testid="search-detail">
      <div className="detail-head">
        <h2 className="mono-title">{pkg.attr}</h2>
        <div className="row">
          <Badge kind="accent">{pkg.version || 'no version'}</Badge>
          {pkg.unfree ? <Badge kind="warn" title="Needs nixpkgs.config.allowUnfree = true">unfree</Badge> : null}
          {pkg.broken ? <Badge kind="danger" title="Marked broken: it will not build on this release">broken</Badge> : null}
          {pkg.insecure ? <Badge kind="danger" title="Has known vulnerabilities">insecure</Badge> : null}
        </div>
      </div>
      <p className="detail-desc">{pkg.description || <span className="faint">No description.</span>}</p>
      {pkg.longDescription ? <Markdown text={pkg.longDescription} /> : null}
      <dl className="facts">
        {pkg.mainProgram ? (
          <>
            <dt>Command</dt>
            <dd>
              <code>{pkg.mainProgram}</code>
            </dd>
          </>
        ) : null}
        <dt>License</dt>
        <dd>{pkg.license.length ? pkg.license.map((l) => l.spdxId ?? l.name).join(', ') : <span className="faint">not stated</span>}</dd>
        {pkg.outputs.length > 1 ? (
          <>
            <dt>Outputs</dt>
            <dd>{pkg.outputs.join(', ')}</dd>
          </>
        ) : null}
        <dt>Homepage</dt>
        <dd className="stack-tight">{pkg.homepage.length ? pkg.homepage.map((h) => <ExternalLink key={h} url={h} fromPackage={pkg.attr} />) : <span className="faint">none</span>}</dd>
        {sourceUrl ? (
          <>
            <dt>Source</dt>
            <dd>
              <ExternalLink url={sourceUrl} label={pkg.position!} />
            </dd>
          </>
        ) : null}
      </dl>
      <div className="row">
        <button className="btn primary" onClick={() => void startAdd('system', { kind: 'package', attr: pkg.attr })}>
          Add to system
        </button>
        <button className="btn" onClick={() => void startAdd('home', { kind: 'package', attr: pkg.attr })}>
          Add to Home Manager
        </button>
      </div>
      <TryIt key={pkg.attr} pkg={pkg} />
    </div>
  );
}

export function OptionDetail({ option }: { option: OptionResult }) {
  const startAdd = useSearch((s) => s.startAdd);
  const target = option.source === 'home-manager' ? 'home' : 'system';
  return (
    <div className="detail" data-testid="search-detail">
      <div className="detail-head">
        <h2 className="mono-title">{option.name}</h2>
        <div className="row">
          <Badge>{option.type}</Badge>
          {option.readOnly ? <Badge kind="warn">read-only</Badge> : null}
          <Badge kind="accent">{option.source === 'home-manager' ? 'Home Manager' : 'NixOS'}</Badge>
        </div>
      </div>
      {option.description ? <Markdown text={option.description} /> : <p className="faint">No description.</p>}
      <div className="stack">
        <h3>Default</h3>
        <Value value={option.default} />
        {option.example ? (
          <>
            <h3>Example</h3>
            <Value value={option.example} />
          </>
        ) : null}
        <h3>Declared in</h3>
        <div className="stack-tight">
          {option.declarations.length ? option.declarations.map((d) => (d.url ? <ExternalLink key={d.name} url={d.url} label={d.name} /> : <code key={d.name}>{d.name}</code>)) : <span className="faint">unknown</span>}
        </div>
      </div>
      {option.readOnly ? null : (
        <div className="row">
          <button className="btn primary" onClick={() => void startAdd(target, { kind: 'option', name: option.name, source: option.source })}>
            {target === 'home' ? 'Add to home.nix' : 'Add to configuration.nix'}
          </button>
        </div>
      )}
    </div>
  );
}
