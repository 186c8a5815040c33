import { create } from 'zustand';

/** Kept in the app's own storage (the window's profile), so the guide is shown once per person and machine. */
export const FIRST_RUN_KEY = 'nixos-companion-first-run-done';

const done = () => {
  try {
    return localStorage.getItem(FIRST_RUN_KEY) === '1';
  } catch {
    return false;
  }
};

interface FirstRunState {
  open: boolean;
  step: number;
  /** the guide was finished or skipped once */
  seen: boolean;
  show(): void;
  go(step: number): void;
  /** Skip or Done: closed, and not shown by itself again */
  finish(): void;
}

/** The guided first run: three steps, shown by itself on the first launch, and from the sidebar whenever asked. */
export const useFirstRun = create<FirstRunState>((set) => ({
  open: !done(),
  step: 0,
  seen: done(),
  show: () => set({ open: true, step: 0 }),
  go: (step) => set({ step }),
  finish() {
    try {
      localStorage.setItem(FIRST_RUN_KEY, '1');
    } catch {
      /* storage off: the guide comes back next time, nothing worse */
    }
    set({ open: false, seen: true });
  },
}));
