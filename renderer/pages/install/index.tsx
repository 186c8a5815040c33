import type { ComponentType } from 'react';
import { Icon } from '../../components/Icon';
import { PageHeader, useFocusOnChange } from '../../components/ui';
import { steps, useInstall, type Step } from '../../stores/install';
import { ChooseStep } from './ChooseStep';
import { DoneStep } from './DoneStep';
import { DriveStep } from './DriveStep';
import { ImageStep } from './ImageStep';
import { WriteStep } from './WriteStep';
import './install.css';

const stepInfo: Record<Step, { label: string; Page: ComponentType }> = {
  choose: { label: 'Choose', Page: ChooseStep },
  download: { label: 'Download', Page: ImageStep },
  drive: { label: 'Drive', Page: DriveStep },
  write: { label: 'Write', Page: WriteStep },
  done: { label: 'Done', Page: DoneStep },
};

/** Which steps a person may jump back to: only ones already passed, and never away from a running write. */
function reachable(step: Step, current: Step, hasImage: boolean): boolean {
  if (current === 'write') return false;
  const i = steps.indexOf(step);
  const c = steps.indexOf(current);
  if (i >= c) return false;
  return step === 'choose' || (step === 'download' && hasImage) || (step === 'drive' && hasImage);
}

export function InstallPage() {
  const { step, goto, image, source } = useInstall();
  const { Page } = stepInfo[step];
  const currentIndex = steps.indexOf(step);
  // the button that moved on is gone with its step: the new step's heading takes the focus
  const heading = useFocusOnChange<HTMLHeadingElement>(step);
  return (
    <div className="page" data-testid="page-install">
      <PageHeader title="Install media" subtitle="Make a bootable NixOS USB stick: pick a release, download and check it, write it safely, and get ready to install." />
      <ol className="stepper" aria-label="Steps">
        {steps.map((s, i) => {
          const state = i < currentIndex ? 'done' : i === currentIndex ? 'current' : 'todo';
          const canGo = reachable(s, step, !!image);
          return (
            <li key={s} className={`stepper-step ${state}`} aria-current={state === 'current' ? 'step' : undefined}>
              <button className="stepper-button" disabled={!canGo} onClick={() => goto(s)} data-testid={`stepper-${s}`}>
                <span className="stepper-num">{state === 'done' ? <Icon name="check" size={14} /> : i + 1}</span>
                <span className="stepper-label">{s === 'download' && source === 'local' ? 'Check file' : stepInfo[s].label}</span>
              </button>
            </li>
          );
        })}
      </ol>
      <h2 className="sr-only" tabIndex={-1} ref={heading} data-testid="install-step-heading">
        Step {currentIndex + 1} of {steps.length}: {step === 'download' && source === 'local' ? 'Check file' : stepInfo[step].label}
      </h2>
      <Page />
    </div>
  );
}
