import type { SetupResult, SetupStep, SetupStepId } from '../../../shared/contract/home';
import { setupStepIds } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { NixLogParser } from '../system/nix-log';
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

/**
 * Standalone install, as the manual has it: `nix-channel --add <archive>/<branch>.tar.gz home-manager`,
 * `nix-channel --update`, `nix-shell '<home-manager>' -A install`. Runs as the user. Each step can be
 * started on its own (`from`); a failure names its step and leaves earlier ones in place.
 */
export async function runSetup(ctx: AppContext, job: JobContext, branch: string, from: SetupStepId = 'channel', backupExtension?: string): Promise<SetupResult> {
  const steps: SetupStep[] = setupStepIds.map((id) => ({ id, label: labels[id], status: 'pending', message: null }));
  const start = setupStepIds.indexOf(from);
  for (let i = 0; i < start; i++) Object.assign(steps[i]!, { status: 'skipped', message: 'Left as it was.' });
  const step = (id: SetupStepId) => steps.find((s) => s.id === id)!;
  const begin = (id: SetupStepId, cancellable = true) => {
    step(id).status = 'running';
    job.phase(id, labels[id], { cancellable });
    job.log(`== ${labels[id]} ==`, 'info');
  };
  const url = homeManagerChannelUrl(ctx.host.homeManagerArchiveBaseUrl, branch);
  /** the last lines any step printed: failures quote them */
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 200) tail.shift();
  };
  const logLine = (stream: 'stdout' | 'stderr', raw: string) => {
    const line = stripAnsi(raw);
    keep(line);
    job.log(line, stream);
  };

  if (start <= 0) {
    begin('channel');
    try {
      await ctx.runner.run('nix-channel', ['--add', url, 'home-manager'], { signal: job.signal, timeoutMs: 60_000, onLine: logLine });
    } catch (err) {
      throw failure('channel', 'nix-channel could not add the channel.', err, tail);
    }
    Object.assign(step('channel'), { status: 'done', message: `${url} as “home-manager”` });
    ctx.events.emit({ topic: 'changed', what: 'channels' });
  }

  if (start <= 1) {
    begin('update');
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
    Object.assign(step('update'), { status: 'done', message: 'The home-manager channel is downloaded.' });
    ctx.events.emit({ topic: 'changed', what: 'channels' });
  }

  if (start <= 2) {
    // nix-shell '<home-manager>' -A install builds home-manager, writes a starter home.nix when there is
    // none, and runs the first switch from its shellHook. `--run true` because there is no terminal here:
    // without it bash would not read the shellHook at all. Stopping it mid-activation would leave the
    // home half linked, so it cannot be cancelled.
    begin('install', false);
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
    Object.assign(step('install'), { status: 'done', message: `home-manager is at ${command.path}` });
    ctx.events.emit({ topic: 'changed', what: 'home-profile' });
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
