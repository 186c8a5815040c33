/**
 * The one rule for where a rollback goes, shared by everything that shows or performs one: the
 * generation list, the tray menu and its confirmation, the services and the root helper.
 */

/**
 * The generation `nix-env --rollback` goes to (Nix's switchGeneration without a number,
 * src/libstore/profiles.cc): the highest-numbered generation below the current one. Null when the
 * profile points at no generation or there is nothing older.
 */
export function rollbackTargetOf(generations: Iterable<number>, current: number | null): number | null {
  if (current === null) return null;
  let target: number | null = null;
  for (const g of generations) if (g < current && (target === null || g > target)) target = g;
  return target;
}

/** What the app says when the profile moved between the preview a person saw and their yes. */
export function profileMovedMessage(kind: 'system' | 'home', now: number | null): string {
  const what = kind === 'system' ? 'The system' : 'Your home configuration';
  const where = now === null ? 'the profile points at no generation now' : `generation ${now} is now current`;
  return `${what} changed since you looked: ${where}. Look again.`;
}

/** The same, when the current generation is the one seen but the previous one is not (a generation was added or deleted below it). */
export function rollbackTargetMovedMessage(kind: 'system' | 'home', expected: number, now: number | null): string {
  const what = kind === 'system' ? 'The system' : 'Your home configuration';
  const where = now === null ? 'there is no older generation to roll back to now' : `a rollback now goes to generation ${now}, not ${expected}`;
  return `${what} changed since you looked: ${where}. Look again.`;
}
