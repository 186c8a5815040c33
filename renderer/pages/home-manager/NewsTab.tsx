import { useEffect } from 'react';
import { Badge, Card, ErrorBanner } from '../../components/ui';
import { useHome, useHomeReadiness } from '../../stores/home';
import { CommandMissing } from './CommandMissing';
import { When } from '../../components/When';

/** Home Manager news relevant to this configuration, from `home-manager news`; unread first. */
export function NewsTab() {
  const { news, newsError, newsLoading, loadNews } = useHome();
  const readiness = useHomeReadiness();
  const noCommand = readiness?.kind === 'command-missing' ? readiness : null;
  // the news comes from `home-manager news`: without the command there is none to ask for
  useEffect(() => {
    if (readiness?.kind === 'ready') void loadNews(false);
  }, [loadNews, readiness?.kind]);
  const unread = news?.filter((n) => n.unread) ?? [];
  const read = news?.filter((n) => !n.unread) ?? [];
  return (
    <Card
      title="News"
      icon="info"
      testId="home-news"
      actions={
        <button className="btn small" disabled={!unread.length || newsLoading || !!noCommand} onClick={() => void loadNews(true)} data-testid="news-mark-read">
          Mark all as read
        </button>
      }
    >
      {noCommand ? <CommandMissing readiness={noCommand} doing="there is no news to show" /> : null}
      {newsError && !noCommand ? <ErrorBanner error={newsError} onRetry={() => void loadNews(false)} /> : null}
      {newsLoading && !news ? <div className="skeleton" /> : null}
      {news && news.length === 0 ? <p className="muted">No news for your configuration.</p> : null}
      {[...unread, ...read].map((item) => (
        <article key={item.id} className={`hm-news ${item.unread ? 'unread' : ''}`}>
          <div className="row">
            {item.unread ? <Badge kind="accent">new</Badge> : null}
            {/* home-manager news prints its dates in UTC: "2024-11-01 16:48" */}
            {/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(item.time) ? <When className="faint" iso={`${item.time.trim().replace(' ', 'T')}Z`} /> : <span className="faint">{item.time}</span>}
          </div>
          <pre className="hm-news-text" tabIndex={0}>{item.message}</pre>
        </article>
      ))}
    </Card>
  );
}
