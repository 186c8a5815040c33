import path from 'node:path';
import type { NewsItem } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { readIfExists, writeFileAtomic } from '../../core/fs';
import { sha256 } from '../../core/hash';
import { AppError } from '../../errors';
import { CommandFailed } from '../../exec/runner';
import { stripAnsi } from '../../core/text';
import { findHomeManager, homeManagerEnv } from './command';
import { homeManagerDataDir } from './profile-path';

/**
 * `home-manager news` lays entries out as home-manager's build-news.nix does:
 *   * 2025-01-03 10:12:44 [unread]
 *   <blank>
 *     message, every line indented by two spaces
 * newest first, separated by blank lines. Messages never start a line at column 0, so the headers split it.
 */
export function parseNewsText(text: string): NewsItem[] {
  const items: NewsItem[] = [];
  let current: { time: string; unread: boolean; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    const message = current.lines
      .map((l) => (l.startsWith('  ') ? l.slice(2) : l))
      .join('\n')
      .replace(/\\"/g, '"')
      .replace(/\\\$\{/g, '${')
      .trim();
    items.push({ id: sha256(`${current.time}\n${message}`).slice(0, 16), time: current.time, unread: current.unread, message });
  };
  for (const raw of stripAnsi(text).split('\n')) {
    const header = /^\* (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \[(read|unread)\]\s*$/.exec(raw);
    if (header) {
      flush();
      current = { time: header[1]!, unread: header[2] === 'unread', lines: [] };
    } else if (current) current.lines.push(raw);
  }
  flush();
  return items;
}

/**
 * Runs the real `home-manager news` with `cat` as its pager. The command marks everything as read; unless
 * asked to, the read-ids file is put back as it was, so looking is not the same as reading.
 */
export async function homeNews(ctx: AppContext, markRead: boolean) {
  const command = await findHomeManager(ctx);
  if (!command) throw new AppError('command-missing', 'home-manager is not installed for you yet, so there is no news to show.');
  const readIdsFile = path.join(homeManagerDataDir(ctx.host), 'news-read-ids');
  // an unreadable file is refused before the command marks everything read and it could not be put back
  const before = await readIfExists(readIdsFile);
  let stdout: string;
  try {
    ({ stdout } = await ctx.runner.run(command.path, ['news'], { env: homeManagerEnv(ctx, { PAGER: 'cat' }), timeoutMs: 5 * 60_000, cwd: ctx.host.homeDir }));
  } catch (err) {
    if (err instanceof CommandFailed) throw new AppError('command-failed', 'home-manager could not read the news: it needs a home.nix that evaluates.', err.detail);
    throw err;
  } finally {
    if (!markRead) {
      await writeFileAtomic(readIdsFile, before ?? '', { mkdir: true });
    }
  }
  // when asked to mark them, the command just read them all: report the state it left behind
  const items = parseNewsText(stdout).map((i) => (markRead ? { ...i, unread: false } : i));
  return { items: [...items.filter((i) => i.unread), ...items.filter((i) => !i.unread)], unread: items.filter((i) => i.unread).length };
}
