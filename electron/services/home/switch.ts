import path from 'node:path';
import type { SwitchResult } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { parseClobbered } from '../../core/nix-errors';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { CommandFailed } from '../../exec/runner';
import { explainFailure } from '../system/error-explanation';
import { currentGeneration, listProfileLinks } from '../system/profile';
import { unpackedChannels, userChannelsDir } from './channels';
import { stripAnsi } from '../../core/text';
import { explainSearchPathError, findHomeManager, homeManagerEnv } from './command';
import { activationGap, type ActivationGap } from './generations';
import { homeManagerProfile } from './profile-path';
import { homeFlake, resolveConfigPath } from './status';

// home-manager's "Existing file '…' is in the way" lines are read by the shared classifier
export { parseClobbered, type Clobbered } from '../../core/nix-errors';

/** "There is an unread and relevant news item." (older) / "There is 1 unread…" / "There are 3 unread and relevant news items." */
export function parseUnreadNews(lines: string[]): number | null {
  for (const line of lines) {
    const m = /There (?:is|are) (an|\d+) unread and relevant news items?\./.exec(line);
    if (m) return m[1] === 'an' ? 1 : Number(m[1]);
  }
  return null;
}

/** Plain nix-build output has no progress stream: count what it announces and builds. */
export class PlainBuildProgress {
  expectedBuilds = 0;
  builds = 0;
  expectedFetches = 0;
  fetches = 0;
  activating = false;

  feed(line: string): boolean {
    let m: RegExpExecArray | null;
    if ((m = /^these (\d+) derivations will be built:/.exec(line))) this.expectedBuilds += Number(m[1]);
    else if (/^this derivation will be built:/.test(line)) this.expectedBuilds += 1;
    else if ((m = /^these (\d+) paths will be fetched/.exec(line))) this.expectedFetches += Number(m[1]);
    else if (/^this path will be fetched/.test(line)) this.expectedFetches += 1;
    else if (/^building '\/nix\/store\/.+\.drv'/.test(line)) this.builds++;
    else if (/^copying path '\/nix\/store\//.test(line)) this.fetches++;
    else if (/^Starting [Hh]ome [Mm]anager activation/.test(line)) this.activating = true;
    else return false;
    return true;
  }

  fraction(): number | null {
    const expected = this.expectedBuilds + this.expectedFetches;
    if (this.activating || expected === 0) return null;
    return Math.min(1, (this.builds + this.fetches) / expected);
  }

  message(): string {
    if (this.activating) return 'Activating: linking files into your home';
    if (this.expectedBuilds + this.expectedFetches === 0) return 'Evaluating home.nix';
    return `Built ${this.builds} of ${this.expectedBuilds}${this.expectedFetches ? `, fetched ${this.fetches} of ${this.expectedFetches}` : ''}`;
  }
}

/**
 * Arguments that pick the configuration. A flake.nix where home-manager looks for one is used by
 * home-manager itself (no -f: that would turn the flake off); otherwise `-f` only when home.nix is not
 * where home-manager looks by itself.
 */
async function configArgs(ctx: AppContext): Promise<string[]> {
  if (await homeFlake(ctx)) return [];
  const config = await resolveConfigPath(ctx);
  if (!config.exists) {
    throw new AppError('not-found', `There is no home.nix at ${config.path} yet. Create one on the Home Manager page first.`);
  }
  const xdgConfig = process.env.XDG_CONFIG_HOME || path.join(ctx.host.homeDir, '.config');
  const defaults = [path.join(xdgConfig, 'home-manager/home.nix'), path.join(xdgConfig, 'nixpkgs/home.nix')];
  if (defaults.includes(config.path)) return [];
  return ['-f', config.path];
}

/** Nix's error, innermost: Nix 2.8 prints "error: <what>" first; newer ones an "error:" header, a trace, then "error: <what>". */
export function nixErrorLine(lines: string[]): string | null {
  let found: string | null = null;
  for (const line of lines) {
    const m = /^\s*error:\s*(\S.*)$/.exec(line);
    if (m) found = m[1]!.trim();
  }
  return found;
}

/** What state a failed switch left, in words. */
export function afterFailure(previous: number | null, now: number | null, gap: ActivationGap | null): string {
  if (gap) {
    const files = gap.filesOf !== null ? `your files are still generation ${gap.filesOf}’s` : previous === null ? 'it was never activated' : `your files are still those of the generation before`;
    return `The profile records generation ${gap.recorded}, but ${files} (Home Manager 25.11 records a generation before activating it). Retry with a backup, or roll back.`;
  }
  if (previous === null) return 'Nothing was activated.';
  return `Generation ${now ?? previous} is still the active one.`;
}

export async function runSwitch(ctx: AppContext, job: JobContext, backupExtension?: string): Promise<SwitchResult> {
  const started = Date.now();
  const command = await findHomeManager(ctx);
  if (!command) throw new AppError('command-missing', 'home-manager is not installed for you yet. Run the setup on the Home Manager page first.', undefined, 'home-manager');
  const profile = await homeManagerProfile(ctx.host);
  const previous = await currentGeneration(profile);
  const args = [...(await configArgs(ctx)), ...(backupExtension ? ['-b', backupExtension] : []), 'switch'];
  job.phase('build', 'Building your home configuration', { cancellable: true });
  job.log(`$ home-manager ${args.join(' ')}`, 'info');
  const progress = new PlainBuildProgress();
  const seen: string[] = [];
  const onLine = (stream: 'stdout' | 'stderr', raw: string) => {
    const line = stripAnsi(raw);
    if (seen.length < 20_000) seen.push(line);
    job.log(line, stream);
    if (progress.feed(line)) {
      if (progress.activating) job.phase('activate', 'Activating: linking files into your home', { cancellable: false });
      job.progress({ fraction: progress.fraction(), message: progress.message(), counters: { 'builds.done': progress.builds, 'builds.expected': progress.expectedBuilds, 'downloads.done': progress.fetches, 'downloads.expected': progress.expectedFetches } });
    }
  };
  let failed: CommandFailed | null = null;
  try {
    await ctx.runner.run(command.path, args, { signal: job.signal, timeoutMs: 4 * 60 * 60 * 1000, onLine, cwd: ctx.host.homeDir, env: homeManagerEnv(ctx) });
  } catch (err) {
    if (!(err instanceof CommandFailed)) throw err;
    failed = err;
  }
  const now = await currentGeneration(profile);
  if (now !== previous) ctx.events.emit({ topic: 'changed', what: 'home-profile' });
  const elapsedSeconds = (Date.now() - started) / 1000;
  const unreadNews = parseUnreadNews(seen);
  if (!failed) {
    return {
      ok: true,
      clobbered: [],
      notActivated: null,
      generation: now,
      previousGeneration: previous,
      unreadNews,
      message: now !== previous ? `Switched to generation ${now}.` : 'Nothing changed: the configuration builds the generation that is already current.',
      elapsedSeconds,
    };
  }
  const gap = now !== previous ? await activationGap(ctx, await listProfileLinks(profile), now, previous) : null;
  const clobbered = parseClobbered(seen);
  if (clobbered.length) {
    const keep = afterFailure(previous, now, gap);
    return {
      ok: false,
      clobbered,
      notActivated: gap,
      generation: now,
      previousGeneration: previous,
      unreadNews,
      message: `Home Manager stopped because ${clobbered.length === 1 ? 'a file it manages already exists' : `${clobbered.length} files it manages already exist`} in your home and ${clobbered.length === 1 ? 'is' : 'are'} not its own. ${keep}`,
      elapsedSeconds,
    };
  }
  const errorLine = nixErrorLine(seen);
  const searchPath = explainSearchPathError(seen.join('\n'), {
    homeManagerChannelDownloaded: (await unpackedChannels(ctx)).includes('home-manager'),
    channelsDir: await userChannelsDir(ctx),
  });
  const what = searchPath ?? (errorLine ? `home-manager switch failed: ${errorLine}${/[.!?]$/.test(errorLine) ? '' : '.'}` : 'home-manager switch failed.');
  const failure = new AppError('command-failed', `${what} ${afterFailure(previous, now, gap)}`, seen.slice(-30).join('\n'));
  const explanation = searchPath ? null : await explainFailure(ctx, seen.join('\n'), { tool: 'home-manager', configKind: (await homeFlake(ctx)) ? 'flake' : 'channels', configFile: ctx.host.homeManagerConfig });
  if (explanation) failure.explanation = explanation;
  throw failure;
}
