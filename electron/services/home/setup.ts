import type { SetupResult, SetupStep, SetupStepId } from '../../../shared/contract/home';
import { setupStepIds } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { NixLogParser } from '../../core/nix-log';
import { homeManagerChannelUrl, unpackedChannels, userChannelsDir } from './channels';
import { stripAnsi } from '../../core/text';
import { channelsOnSessionPath, explainSearchPathError, findHomeManager, homeManagerEnv, homeManagerVersion } from './command';
import { parseClobbered } from './switch';

const labels: Record<SetupStepId, string> = {
  channel: 'Add the home-manager channel',
  update: 'Download the channel',
  install: 'Install home-manager',
  relogin: 'Log out and in again',
};

const INSTALL_TIMEOUT_MS = 2 * 60 * 60 * 1000;

function failure(step: SetupStepId, reason: string, err: unknown, tail: string[] = []): AppError {
  const detail = tail.length ? tail.slice(-20).join('\n') : err instanceof AppError ? err.detail : String(err);
  const code = err instanceof AppError ? err.code : 'command-failed';
  return new AppError(code === 'cancelled' ? 'cancelled' : code, `“${labels[step]}” failed: ${reason} The earlier steps are kept; fix the cause and retry from this step.`, detail);
}

export const reloginNote =
  'Home Manager sets your PATH and session variables when your session starts. Log out and back in (or reboot) so every program sees them. Until then, home-manager in a terminal cannot find its channel (NixOS puts ~/.nix-defexpr/channels on NIX_PATH only at login, and only when it existed then); this app passes it itself, so Switch here works.';

/** What every step shares: where to log, and the last lines any step printed (failures quote them). */
interface SetupRun {
  ctx: AppContext;
  job: JobContext;
  branch: string;
  url: string;
  backupExtension: string | undefined;
  tail: string[];
  keep(line: string): void;
  logLine(stream: 'stdout' | 'stderr', raw: string): void;
}

/** Each step but the last: runs it, and returns what its row says when it is done. */
const setupSteps: Record<Exclude<SetupStepId, 'relogin'>, (run: SetupRun) => Promise<string>> = {
  async channel({ ctx, job, url, tail, logLine }) {
    try {
      await ctx.runner.run('nix-channel', ['--add', url, 'home-manager'], { signal: job.signal, timeoutMs: 60_000, onLine: logLine });
    } catch (err) {
      throw failure('channel', 'nix-channel could not add the channel.', err, tail);
    }
    ctx.events.emit({ topic: 'changed', what: 'channels' });
    return `${url} as “home-manager”`;
  },

  async update({ ctx, job, url, branch, tail, keep }) {
    const parser = new NixLogParser();
    try {
      await ctx.runner.run('nix-channel', ['--update', 'home-manager', '--log-format', 'internal-json', '-v'], {
        signal: job.signal,
        timeoutMs: 30 * 60_000,
        onLine: (stream, line) => {
          const { log, progressChanged } = parser.feed(line);
          if (log !== null) {
            keep(log);
            job.log(log, stream);
          }
          if (progressChanged) {
            const p = parser.progress();
            job.progress({
              fraction: p.bytesExpected > 0 ? Math.min(1, p.bytesDone / p.bytesExpected) : null,
              bytesDone: p.bytesDone,
              bytesTotal: p.bytesExpected || undefined,
              message: p.activity || 'Downloading the channel',
            });
          }
        },
      });
    } catch (err) {
      const text = tail.join('\n');
      const reason = /HTTP error 404\b/.test(text)
        ? `the address ${url} does not exist (is ${branch} a real home-manager release?).`
        : /unable to download|Couldn't resolve|Could not resolve|Connection refused|timed out/i.test(text)
          ? `${url} could not be reached. Check your network connection.`
          : 'the channel could not be downloaded or unpacked.';
      throw failure('update', reason, err, tail);
    }
    if (!(await unpackedChannels(ctx)).includes('home-manager')) {
      throw failure('update', 'the download finished but the channel has no home-manager in it.', new AppError('not-found', 'missing'));
    }
    ctx.events.emit({ topic: 'changed', what: 'channels' });
    return 'The home-manager channel is downloaded.';
  },

  // nix-shell '<home-manager>' -A install builds home-manager, writes a starter home.nix when there is
  // none, and runs the first switch from its shellHook. `--run true` because there is no terminal here:
  // without it bash would not read the shellHook at all.
  async install({ ctx, job, backupExtension, tail, logLine }) {
    job.progress({ fraction: null, message: 'Building and activating the first generation' });
    try {
      await ctx.runner.run('nix-shell', ['<home-manager>', '-A', 'install', '--run', 'true'], {
        signal: job.signal,
        timeoutMs: INSTALL_TIMEOUT_MS,
        onLine: logLine,
        cwd: ctx.host.homeDir,
        env: homeManagerEnv(ctx, backupExtension ? { HOME_MANAGER_BACKUP_EXT: backupExtension } : {}),
      });
    } catch (err) {
      const text = tail.join('\n');
      const clobbered = parseClobbered(tail);
      if (clobbered.length) {
        // the detail is home-manager's own lines naming each file, one per line (the page lists them)
        const named = tail.filter((l) => /^Existing file '/.test(l.trim()) && !/will be (skipped|moved)/.test(l));
        throw failure('install', `files already in your home are in the way of Home Manager’s: ${clobbered.map((c) => c.path).join(', ')}. Retry with a backup extension to move them aside.`, err, named);
      }
      const searchPath = explainSearchPathError(text, {
        homeManagerChannelDownloaded: (await unpackedChannels(ctx)).includes('home-manager'),
        channelsDir: await userChannelsDir(ctx),
      });
      const reason = searchPath ?? 'the first home-manager switch did not succeed. The log above shows why.';
      throw failure('install', reason, err, tail);
    }
    const command = await findHomeManager(ctx);
    if (!command) throw failure('install', 'the install ran but the home-manager command is nowhere to be found.', new AppError('not-found', 'missing'));
    ctx.events.emit({ topic: 'changed', what: 'home-profile' });
    return `home-manager is at ${command.path}`;
  },
};

/** Stopping the install mid-activation would leave the home half linked, so it cannot be cancelled. */
const cancellable = (id: SetupStepId) => id !== 'install';

/**
 * Standalone install, as the manual has it: `nix-channel --add <archive>/<branch>.tar.gz home-manager`,
 * `nix-channel --update`, `nix-shell '<home-manager>' -A install`. Runs as the user. Each step can be
 * started on its own (`from`); a failure names its step and leaves earlier ones in place.
 */
export async function runSetup(ctx: AppContext, job: JobContext, branch: string, from: SetupStepId = 'channel', backupExtension?: string): Promise<SetupResult> {
  const steps: SetupStep[] = setupStepIds.map((id) => ({ id, label: labels[id], status: 'pending', message: null }));
  const step = (id: SetupStepId) => steps.find((s) => s.id === id)!;
  const begin = (id: SetupStepId) => {
    step(id).status = 'running';
    job.phase(id, labels[id], { cancellable: cancellable(id) });
    job.log(`== ${labels[id]} ==`, 'info');
  };
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 200) tail.shift();
  };
  const run: SetupRun = {
    ctx,
    job,
    branch,
    url: homeManagerChannelUrl(ctx.host.homeManagerArchiveBaseUrl, branch),
    backupExtension,
    tail,
    keep,
    logLine: (stream, raw) => {
      const line = stripAnsi(raw);
      keep(line);
      job.log(line, stream);
    },
  };

  const first = setupStepIds.indexOf(from);
  for (const id of setupStepIds.slice(0, first)) Object.assign(step(id), { status: 'skipped', message: 'Left as it was.' });
  for (const id of setupStepIds.slice(first)) {
    if (id === 'relogin') break;
    begin(id);
    const message = await setupSteps[id](run);
    Object.assign(step(id), { status: 'done', message });
  }

  begin('relogin');
  const command = await findHomeManager(ctx);
  const needsRelogin = command !== null && (!command.onPath || !channelsOnSessionPath(ctx));
  Object.assign(step('relogin'), { status: 'done', message: needsRelogin ? reloginNote : 'home-manager is already on your PATH and finds its channel.' });
  const backedUp = backupExtension ? tail.map((l) => /^Existing file '(.+)' is in the way of '.+', will be moved to '.+'$/.exec(l)?.[1]).filter((p): p is string => !!p) : [];
  return {
    branch,
    backedUp,
    steps,
    installed: command !== null,
    version: await homeManagerVersion(ctx, command),
    needsRelogin,
    reloginNote,
  };
}
