import { useEffect, useMemo, useRef } from 'react';
import type { LearnEntry } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { Card, ErrorBanner, PageHeader } from '../../components/ui';
import { useLearn } from '../../stores/learn';
import { useNavigation } from '../../stores/navigation';
import './learn.css';

function Entry({ entry, open: isOpen }: { entry: LearnEntry; open: boolean }) {
  const { go } = useNavigation();
  const openLink = useLearn((s) => s.open);
  const all = useLearn((s) => s.entries);
  const titles = useMemo(() => Object.fromEntries(all.map((e) => [e.id, e.title])), [all]);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (isOpen) ref.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [isOpen]);
  return (
    <article ref={ref} id={`learn-${entry.id}`} className={`card learn-entry ${isOpen ? 'open' : ''}`} data-testid={`learn-${entry.id}`}>
      <button className="learn-entry-head" aria-expanded={isOpen} onClick={() => go('learn', isOpen ? '' : entry.id)}>
        <div>
          <h2>{entry.title}</h2>
          <p className="muted">{entry.summary}</p>
        </div>
        <Icon name="arrowRight" />
      </button>
      {isOpen ? (
        <div className="learn-entry-body">
          {entry.paragraphs.map((p) => (
            <p key={p}>{p}</p>
          ))}
          <div className="row">
            {entry.links.map((l) => (
              <button key={l.url} className="btn small" onClick={() => void openLink(l.url)}>
                <Icon name="external" size={14} />
                {l.label}
              </button>
            ))}
          </div>
          {entry.related.length ? (
            <p className="faint">
              Related:{' '}
              {entry.related.map((id, i) => (
                <span key={id}>
                  {i ? ', ' : ''}
                  <a href={`#/learn/${id}`}>{titles[id] ?? id}</a>
                </span>
              ))}
            </p>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}

export function LearnPage() {
  const { entries, resources, error, linkError, load, open } = useLearn();
  const path = useNavigation((s) => s.path);
  useEffect(() => void load(), [load]);
  const openId = path.split('/')[0] ?? '';
  return (
    <div className="page">
      <PageHeader title="Learn" subtitle="The ideas behind NixOS, a few plain sentences each — and where to read more." />
      {error ? <ErrorBanner error={error} onRetry={() => void load()} /> : null}
      {linkError ? <ErrorBanner error={linkError} /> : null}
      <div className="learn-layout">
        <div className="stack learn-entries">
          {entries.map((e) => (
            <Entry key={e.id} entry={e} open={e.id === openId} />
          ))}
        </div>
        <Card title="Read more" icon="book" className="learn-resources">
          <ul className="resource-list">
            {resources.map((r) => (
              <li key={r.id}>
                <a
                  href={r.url}
                  onClick={(ev) => {
                    ev.preventDefault();
                    void open(r.url);
                  }}
                >
                  {r.label}
                  <Icon name="external" size={13} />
                </a>
                <span className="faint">{r.description}</span>
              </li>
            ))}
          </ul>
          <p className="faint">Links open in your web browser.</p>
        </Card>
      </div>
    </div>
  );
}
