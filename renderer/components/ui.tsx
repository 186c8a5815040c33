import { Suspense, useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import type { RpcError } from '../../shared/contract';
import { useNavigation } from '../stores/navigation';
import { ErrorExplanation } from './ErrorExplanation';
import { formatWhen } from '../lib/dates';
import { Icon, type IconName } from './Icon';

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p>{subtitle}</p> : null}
      </div>
      {actions ? <div className="row">{actions}</div> : null}
    </header>
  );
}

export function Card({ title, icon, actions, children, className, testId }: { title?: ReactNode; icon?: IconName; actions?: ReactNode; children: ReactNode; className?: string; testId?: string }) {
  return (
    <section className={`card ${className ?? ''}`} data-testid={testId}>
      {title ? (
        <div className="card-header">
          <div className="card-title">
            {icon ? <Icon name={icon} /> : null}
            {title}
          </div>
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

/** `focus`: the banner takes the keyboard focus when it appears (it replaced the control that had it). */
export function Banner({ kind, title, children, actions, focus, testId }: { kind: 'warn' | 'danger' | 'info'; title: ReactNode; children?: ReactNode; actions?: ReactNode; focus?: boolean; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <div className={`banner ${kind}`} role={kind === 'danger' ? 'alert' : 'status'} ref={ref} tabIndex={focus ? -1 : undefined} data-testid={testId}>
      <Icon name={kind === 'info' ? 'info' : 'alert'} />
      <div className="banner-body">
        <strong>{title}</strong>
        {children}
        {actions ? <div className="row">{actions}</div> : null}
      </div>
    </div>
  );
}

/**
 * An error as a person reads it: the message (or, for a failure the app recognises, its explanation with
 * the fixes as buttons), what went on underneath on request, and a Learn link where one fits.
 */
export function ErrorBanner({ error, onRetry, onRetryWithBackup }: { error: RpcError; onRetry?: () => void; onRetryWithBackup?: () => void }) {
  const go = useNavigation((s) => s.go);
  const explained = error.explanation;
  return (
    <Banner
      kind="danger"
      title={explained ? explained.title : error.message}
      actions={
        <>
          {onRetry ? (
            <button className="btn small" onClick={onRetry}>
              Try again
            </button>
          ) : null}
          {error.learn ? (
            <button className="btn small ghost" onClick={() => go('learn', error.learn)}>
              Learn why
            </button>
          ) : null}
        </>
      }
    >
      {explained ? <ErrorExplanation explanation={explained} onRetryWithBackup={onRetryWithBackup} /> : null}
      {error.detail || explained ? (
        <details>
          <summary className="faint">Details</summary>
          {explained ? <p>{error.message}</p> : null}
          {error.detail ? <pre tabIndex={0}>{error.detail}</pre> : null}
        </details>
      ) : null}
    </Banner>
  );
}

export function Badge({ kind, children, title }: { kind?: 'ok' | 'warn' | 'danger' | 'accent'; children: ReactNode; title?: string }) {
  return (
    <span className={`badge ${kind ?? ''}`} title={title}>
      {children}
    </span>
  );
}

export function ProgressBar({ fraction, label }: { fraction: number | null | undefined; label?: string }) {
  const known = typeof fraction === 'number';
  return (
    <div className={`progress ${known ? '' : 'indeterminate'}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={known ? Math.round(fraction * 100) : undefined}>
      <div style={known ? { width: `${Math.max(0, Math.min(1, fraction)) * 100}%` } : undefined} />
    </div>
  );
}

/**
 * Tabs as the ARIA tabs pattern: one tab stop (the selected tab), Left/Right/Home/End move and select,
 * and a tabpanel labelled by its tab. `id` must be unique on the page.
 */
export function Tabs<K extends string>({ id, label, tabs, selected, onSelect, className = 'tabs', tabClassName = 'tab' }: {
  id: string;
  label: string;
  tabs: { key: K; label: ReactNode; icon?: IconName; testId?: string }[];
  selected: K;
  onSelect: (key: K) => void;
  className?: string;
  tabClassName?: string;
}) {
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const at = tabs.findIndex((t) => t.key === selected);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length]!;
    onSelect(tab.key);
    document.getElementById(`${id}-tab-${tab.key}`)?.focus();
  };
  return (
    <div className={className} role="tablist" aria-label={label}>
      {tabs.map((t) => (
        <button
          key={t.key}
          id={`${id}-tab-${t.key}`}
          role="tab"
          type="button"
          className={tabClassName}
          aria-selected={t.key === selected}
          aria-controls={`${id}-panel`}
          tabIndex={t.key === selected ? 0 : -1}
          onClick={() => onSelect(t.key)}
          onKeyDown={onKeyDown}
          data-testid={t.testId}
        >
          {t.icon ? <Icon name={t.icon} size={16} /> : null} {t.label}
        </button>
      ))}
    </div>
  );
}

/** The content of the selected tab of `<Tabs id>`; a tab loaded on demand (React.lazy) shows a placeholder meanwhile. */
export function TabPanel({ id, selected, children, className = 'tab-panel' }: { id: string; selected: string; children: ReactNode; className?: string }) {
  return (
    <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${selected}`} className={className}>
      <Suspense fallback={<div className="skeleton" />}>{children}</Suspense>
    </div>
  );
}

/**
 * A ref whose element takes the focus each time `key` changes after the first render: a wizard's new
 * step gets the focus instead of <body> when the control that moved on disappears.
 */
export function useFocusOnChange<T extends HTMLElement>(key: unknown) {
  const ref = useRef<T>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    ref.current?.focus();
  }, [key]);
  return ref;
}

/** An area that is not built yet: says what will be there, shows no invented data. */
export function ComingSoon({ icon, title, summary, items }: { icon: IconName; title: string; summary: string; items: string[] }) {
  return (
    <div className="page">
      <PageHeader title={title} subtitle={summary} />
      <Card>
        <div className="empty" data-testid="coming-soon">
          <Icon name={icon} size={40} />
          <h2>This part of the app is being built</h2>
          <p>Here is what it will do:</p>
          <ul className="coming-list">
            {items.map((item) => (
              <li key={item}>{item}</li>
            ))}
          </ul>
        </div>
      </Card>
    </div>
  );
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${bytes < 0 ? '−' : ''}${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** The app's one date format (renderer/lib/dates.ts); prefer <When> where a tooltip with the full date fits. */
export function formatDate(iso: string): string {
  return formatWhen(iso);
}

export function timeAgo(iso: string, now = Date.now()): string {
  return formatWhen(iso, now);
}
