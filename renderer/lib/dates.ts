/**
 * The app's one way of writing a date: how long ago for the last week ("2 hours ago", "yesterday"),
 * else the day ("12 Mar 2025"). The full date and time go in a tooltip (`isoTitle`).
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "just now", "5 minutes ago", "2 hours ago", "yesterday", "3 days ago", else "12 Mar 2025" (local time). */
export function formatWhen(iso: string | number | Date, now: number = Date.now()): string {
  const d = new Date(iso);
  const t = d.getTime();
  if (Number.isNaN(t)) return 'unknown date';
  const ago = now - t;
  if (ago > -MINUTE && ago < MINUTE) return 'just now';
  if (ago > 0 && ago < 7 * DAY) {
    if (ago < HOUR) return `${plural(Math.floor(ago / MINUTE), 'minute')} ago`;
    if (ago < DAY) return `${plural(Math.floor(ago / HOUR), 'hour')} ago`;
    const days = Math.floor(ago / DAY);
    return days === 1 ? 'yesterday' : `${days} days ago`;
  }
  return formatDay(d);
}

/** "12 Mar 2025" */
export function formatDay(date: string | number | Date): string {
  const d = new Date(date);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** The full local date and time with its offset, for a tooltip: 2025-03-12T14:03:22+01:00 */
export function isoTitle(iso: string | number | Date): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${p(offset / 60)}:${p(offset % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
}
