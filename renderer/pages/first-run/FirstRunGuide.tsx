import { useEffect, useRef } from 'react';
import { Icon } from '../../components/Icon';
import { When } from '../../components/When';
import { releaseInWords } from '../../lib/release';
import { useFirstRun } from '../../stores/first-run';
import { useNavigation } from '../../stores/navigation';
import { useSystem } from '../../stores/system';
import { useSystemGenerations, rollbackTargetIn } from '../../stores/system-generations';
import './first-run.css';

const STEPS = 3;

function YourSystem() {
  const status = useSystem((s) => s.status);
  if (!status) return <div className="skeleton" />;
  if (!status.isNixOS) {
    return (
      <>
        <h2 id="first-run-title">Welcome: this computer runs {status.osName}</h2>
        <p>
          NixOS Companion helps you try NixOS and then live with it. The System and Home Manager pages are for a computer that runs NixOS, so on this one
          start with <strong>Install media</strong>: it downloads NixOS, checks it and writes it to a USB stick you can start the computer from.
        </p>
      </>
    );
  }
  const release = releaseInWords(status.nixosVersion, status.osName) ?? status.osName;
  return (
    <>
      <h2 id="first-run-title">This is your system</h2>
      <p data-testid="first-run-release">
        You run <strong>{release}</strong>
        {status.current ? (
          <>
            , as <strong>generation {status.current.generation}</strong>, made <When iso={status.current.date} />
          </>
        ) : null}
        .
      </p>
      <p className="muted">
        Your whole system is described in your configuration ({status.configuration.kind === 'flake' ? 'flake.nix' : 'configuration.nix'} in {status.configuration.dir}). Each time you rebuild it, NixOS makes a new numbered
        generation and keeps the old ones. The Home page shows which one runs; System lists them all.
      </p>
    </>
  );
}

function HowToUndo() {
  const status = useSystem((s) => s.status);
  const target = useSystemGenerations((s) => rollbackTargetIn(s.generations));
  if (status && !status.isNixOS) {
    return (
      <>
        <h2 id="first-run-title">Nothing is lost by trying</h2>
        <p>
          On NixOS every change is a new generation, and <strong>Roll back</strong> makes the one before it run again. Writing the USB stick changes only the stick: the app shows
          which drive it is, asks you to confirm it by name, and checks what it wrote.
        </p>
      </>
    );
  }
  return (
    <>
      <h2 id="first-run-title">Here is how to undo</h2>
      <p>
        If something stops working after a change, <strong>Roll back</strong> makes the previous generation{target !== null ? ` (${target})` : ''} run again and start at the next boot. It
        shows what will change first, and asks before it does anything.
      </p>
      <p className="first-run-example">
        <span className="btn small" aria-hidden="true">
          <Icon name="history" size={14} /> Roll back
        </span>
        <span className="muted">is on System → Generations, next to the generation it goes back to, and under Quick actions. Newer generations stay: you can switch forward again.</span>
      </p>
    </>
  );
}

function FindSoftware() {
  return (
    <>
      <h2 id="first-run-title">Find software</h2>
      <p>
        <strong>Search</strong> finds programs and settings offline, as you type: a command finds its package (<code>rg</code> finds ripgrep), a service finds its switch. <strong>Add to configuration</strong> shows the
        line it will add, keeps a backup, and then offers the rebuild.
      </p>
      <p className="muted">Learn explains the words NixOS uses; a “?” next to one opens its explanation.</p>
    </>
  );
}

/**
 * The guided first run the README promises: this is your system, here is how to undo, find software.
 * At the top of Home, shown once by itself (remembered), skippable, and reachable again from the
 * sidebar. It does not block the page: everything under it still works.
 */
export function FirstRunGuide() {
  const { open, step, go, finish } = useFirstRun();
  const goTo = useNavigation((s) => s.go);
  const isNixOS = useSystem((s) => s.status?.isNixOS);
  const ref = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (!open) return;
    if (!useSystemGenerations.getState().generations) void useSystemGenerations.getState().loadGenerations();
  }, [open]);
  // a new step takes the focus (not on the first paint: the page keeps its own focus then)
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    ref.current?.focus();
  }, [step]);
  if (!open) return null;
  const last = step === STEPS - 1;
  return (
    <section ref={ref} className="card first-run" data-testid="first-run" aria-labelledby="first-run-title" tabIndex={-1}>
      <div className="spread">
        <ol className="first-run-steps" aria-label={`Step ${step + 1} of ${STEPS}`}>
          {Array.from({ length: STEPS }, (_, i) => (
            <li key={i} className={i === step ? 'current' : i < step ? 'done' : ''} aria-current={i === step ? 'step' : undefined} />
          ))}
        </ol>
        <span className="faint">
          Step {step + 1} of {STEPS}
        </span>
      </div>
      <div className="first-run-body" data-testid={`first-run-step-${step + 1}`}>
        {step === 0 ? <YourSystem /> : step === 1 ? <HowToUndo /> : <FindSoftware />}
      </div>
      <div className="first-run-actions">
        <button className="btn ghost" onClick={finish} data-testid="first-run-skip">
          Skip the tour
        </button>
        <div className="row">
          {step > 0 ? (
            <button className="btn" onClick={() => go(step - 1)}>
              Back
            </button>
          ) : null}
          {last ? (
            <>
              <button
                className="btn"
                onClick={() => {
                  finish();
                  goTo(isNixOS === false ? 'install' : 'search');
                }}
              >
                {isNixOS === false ? 'Open Install media' : 'Open Search'}
              </button>
              <button className="btn primary" onClick={finish} data-testid="first-run-done">
                Done
              </button>
            </>
          ) : (
            <button className="btn primary" onClick={() => go(step + 1)} data-testid="first-run-next">
              Next
            </button>
          )}
        </div>
      </div>
    </section>
  );
}

/** The sidebar's way back to the guide: it opens at the top of Home. */
export function FirstRunButton() {
  const show = useFirstRun((s) => s.show);
  const go = useNavigation((s) => s.go);
  return (
    <button
      className="nav-item"
      onClick={() => {
        show();
        go('home');
      }}
      title="The three-step tour of the app"
      data-testid="first-run-button"
    >
      <Icon name="info" />
      <span>Tour</span>
    </button>
  );
}
