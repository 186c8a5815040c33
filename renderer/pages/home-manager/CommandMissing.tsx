import { Banner } from '../../components/ui';
import { useHome, type HomeReadiness } from '../../stores/home';

/**
 * Home Manager made generations here, but its `home-manager` command cannot be found: say exactly that
 * (not "not installed"), and offer the fix: the setup's install step, or the command to run.
 */
export function CommandMissing({ readiness, doing }: { readiness: Extract<HomeReadiness, { kind: 'command-missing' }>; doing?: string }) {
  const startSetup = useHome((s) => s.startSetup);
  const { fix } = readiness;
  const what = readiness.generation !== null ? `Your Home Manager generations are here (generation ${readiness.generation}${readiness.version ? `, Home Manager ${readiness.version}` : ''}), but` : 'Home Manager was set up here, but';
  return (
    <Banner
      kind="warn"
      testId="home-command-missing"
      title="The home-manager command cannot be found."
      actions={
        fix.setupBranch ? (
          <button className="btn small primary" onClick={() => void startSetup(fix.setupBranch!, 'install')} data-testid="home-install-command">
            Install the home-manager command
          </button>
        ) : null
      }
    >
      <span>
        {what} the <code>home-manager</code> command is not on your PATH or in your profiles{doing ? `, so ${doing}` : ''}.{' '}
        {fix.setupBranch ? 'The setup’s install step builds it again from your home-manager channel; or run this in a terminal:' : 'Run this in a terminal to get it back:'}
      </span>
      <pre className="code" data-testid="home-command-fix">{fix.command}</pre>
    </Banner>
  );
}
