import { useEffect } from 'react';
import { Badge, Card, ErrorBanner } from '../../components/ui';
import { useHome } from '../../stores/home';

/** Home Manager news relevant to this configuration, from `home-manager news`; unread first. */
export function NewsTab() {
  const { news, newsError, newsLoading, loadNews } = useHome();
  useEffect(() => void loadNews(false), [loadNews]);
  const unread = news?.filter((n) => n.unread) ?? [];
  const read = news?.filter((n) => !n.unread) ?? [];
  return (
    <Card
      title="News"
      icon="info"
      testId="home-news"
      actions={
        <button className="btn small" disabled={!unread.length || newsLoading} onClick={() => void loadNews(true)} data-testid="news-mark-read">
          Mark all as read
        </button>
      }
    >
      {newsError ? <ErrorBanner error={newsError} onRetry={() => void loadNews(false)} /> : null}
      {newsLoading && !news ? <div className="skeleton" /> : null}
      {news && news.length === 0 ? <p className="muted">No news for your configuration.</p> : null}
      {[...unread, ...read].map((item) => (
        <article key={item.id} className={`hm-news ${item.unread ? 'unread' : ''}`}>
          <div className="row">
            {item.unread ? <Badge kind="accent">new</Badge> : null}
            <span className="faint">{item.time} UTC</span>
          </div>
          <pre className="hm-news-text" tabIndex={0}>{item.message}</pre>
        </article>
      ))}
    </Card>
  );
}
