import { formatWhen, isoTitle } from '../lib/dates';

/** A date as the app writes every date (renderer/lib/dates.ts), with the full date and time on hover. */
export function When({ iso, prefix, className }: { iso: string; prefix?: string; className?: string }) {
  return (
    <time dateTime={iso} title={isoTitle(iso)} className={className}>
      {prefix ? `${prefix} ` : ''}
      {formatWhen(iso)}
    </time>
  );
}
