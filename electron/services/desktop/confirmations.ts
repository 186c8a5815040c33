import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { isMethodName } from '../../../shared/contract';
import type { ConfirmableAction, Confirmation } from '../../../shared/contract/desktop';
import { profileMovedMessage, rollbackTargetMovedMessage, rollbackTargetOf } from '../../../shared/rollback';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { RpcResponse } from '../../rpc/router';
import { resolveHomeManagerProfile } from '../home/profile-path';
import { readReadyUpdate } from '../system/background-update';
import { currentGeneration, listProfileLinks, readTrimmed, type ProfileLink } from '../system/profile';

/**
 * Which RPC method each tray action runs: the very methods the window's buttons call, so a tray
 * rollback takes the same validated, exclusive, privileged path.
 */
export function actionMethod(action: ConfirmableAction): { method: string; params: Record<string, unknown> } {
  // The system methods check the generations the confirmation showed again, as root; Home Manager's
  // take none, so those are checked here just before (see Confirmations.check).
  switch (action.kind) {
    case 'rollback':
      return action.profile === 'system'
        ? { method: 'system.rollback', params: { target: action.target, expectedCurrent: action.expectedCurrent } }
        : { method: 'home.rollback', params: {} };
    case 'switch':
      return action.profile === 'system'
        ? { method: 'system.switchGeneration', params: { generation: action.generation, expectedCurrent: action.expectedCurrent } }
        : { method: 'home.switchGeneration', params: { generation: action.generation } };
    case 'rebuild':
      // The diff of a rebuild exists only once it is built: the job stops there and this window shows it.
      return { method: 'system.rebuild', params: { action: 'switch', preview: true } };
    case 'update':
      return { method: 'system.updates.apply', params: { id: action.id, action: action.action } };
  }
}

interface Pending {
  action: ConfirmableAction;
  createdAt: number;
}

/** an unanswered confirmation expires: a stale window must not roll back a profile that moved since */
const EXPIRE_MS = 10 * 60_000;
const MAX_DIFF_LINES = 400;

export type RouterCall = (method: string, params: unknown) => Promise<RpcResponse>;

async function profileOf(ctx: AppContext, kind: 'system' | 'home'): Promise<string | null> {
  return kind === 'system' ? ctx.host.systemProfile : resolveHomeManagerProfile(ctx.host);
}

async function side(link: ProfileLink | undefined, kind: 'system' | 'home') {
  if (!link) return null;
  const version = await readTrimmed(path.join(link.storePath, kind === 'system' ? 'nixos-version' : 'hm-version'));
  return { generation: link.generation, date: link.date.toISOString(), version, storePath: link.storePath };
}

function signedSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${bytes < 0 ? '-' : '+'}${v.toFixed(1)} ${units[i]}`;
}

const versions = (v: string[]) => (v.length ? v.map((x) => x || '(no version)').join(', ') : '∅');

/**
 * The diff the window shows, asked of the same methods (`system.diff`, `home.diff`), as lines in the
 * shape `nix store diff-closures` prints: "name: before → after, ±size".
 */
export async function actionDiff(call: RouterCall, profile: 'system' | 'home', from: number, to: number): Promise<{ lines: string[]; note: string | null }> {
  const res = await call(profile === 'system' ? 'system.diff' : 'home.diff', { from, to });
  if (!res.ok) return { lines: [], note: `The difference could not be computed (${res.error.message}). The action itself does not depend on it.` };
  let lines: string[];
  if (profile === 'system') {
    const diff = res.result as { changes: { name: string; before: string[]; after: string[]; sizeDelta: number }[] };
    lines = diff.changes.map((c) => `${c.name}: ${versions(c.before)} → ${versions(c.after)}${c.sizeDelta ? `, ${signedSize(c.sizeDelta)}` : ''}`);
  } else {
    const diff = res.result as { added: { name: string; version: string | null }[]; removed: { name: string; version: string | null }[]; changed: { name: string; from: string | null; to: string | null }[] };
    lines = [
      ...diff.added.map((p) => `${p.name}: ∅ → ${p.version ?? '(no version)'}`),
      ...diff.removed.map((p) => `${p.name}: ${p.version ?? '(no version)'} → ∅`),
      ...diff.changed.map((p) => `${p.name}: ${p.from ?? '(no version)'} → ${p.to ?? '(no version)'}`),
    ].sort();
  }
  if (lines.length === 0) return { lines: [], note: 'No package changes its version or size between these two generations (only their configuration differs).' };
  if (lines.length > MAX_DIFF_LINES) return { lines: lines.slice(0, MAX_DIFF_LINES), note: `Showing the first ${MAX_DIFF_LINES} of ${lines.length} changes.` };
  return { lines, note: null };
}

/** Tray (and quick) actions wait here for a person's yes or no. */
export class Confirmations {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly ctx: AppContext,
    private readonly call: RouterCall,
  ) {}

  request(action: ConfirmableAction): string {
    this.expire();
    const id = randomUUID();
    this.pending.set(id, { action, createdAt: Date.now() });
    return id;
  }

  async describe(id: string): Promise<Confirmation> {
    const pending = this.require(id);
    const { action } = pending;
    const { method } = actionMethod(action);
    const available = isMethodName(method);
    const warnings: string[] = [];
    if (!available) warnings.push('This version of the app cannot do this yet. Nothing will change.');

    if (action.kind === 'rebuild') {
      return {
        id,
        action,
        title: 'Rebuild and switch now?',
        summary: `This builds the system from ${this.ctx.host.nixosConfigDir}, shows you what changes, and switches to it only when you say so. The new generation becomes the boot default; the current one stays in the list, so you can roll back.`,
        method,
        available,
        from: null,
        to: null,
        diff: { lines: [], note: 'What changes is known only once the new system is built. This window then shows it and asks again before anything is activated.' },
        warnings,
      };
    }

    if (action.kind === 'update') return this.describeUpdate(id, action, method, available, warnings);

    const { fromLink, toLink } = await this.check(action);
    const [from, to, diff] = await Promise.all([side(fromLink, action.profile), side(toLink, action.profile), actionDiff(this.call, action.profile, fromLink.generation, toLink.generation)]);
    if (action.profile === 'system' && toLink.generation < fromLink.generation) {
      warnings.push('Going back changes the boot default too. Newer generations stay in the list, so you can return to them.');
    }
    const verb = action.kind === 'rollback' ? 'Roll back' : 'Switch';
    return {
      id,
      action,
      title: `${verb} ${action.profile === 'system' ? 'the system' : 'your home'} to generation ${toLink.generation}?`,
      summary: `${action.profile === 'system' ? 'The system' : 'Your home configuration'} moves from generation ${fromLink.generation} to generation ${toLink.generation} and is activated now.`,
      method,
      available,
      from,
      to,
      diff,
      warnings,
    };
  }

  /** A prepared update: what it changes is known already (it was built in the background). */
  private async describeUpdate(id: string, action: Extract<ConfirmableAction, { kind: 'update' }>, method: string, available: boolean, warnings: string[]): Promise<Confirmation> {
    const ready = await readReadyUpdate(this.ctx);
    if (!ready || ready.id !== action.id) throw new AppError('not-found', 'That update is no longer waiting (it was applied or dismissed). Check for updates again.');
    const lines = ready.changes.map((c) => `${c.name}: ${versions(c.before)} → ${versions(c.after)}`);
    const from = ready.kind === 'channel' ? ready.channels.map((c) => `${c.name} ${c.from ?? '?'} → ${c.to ?? '?'}`) : ready.inputs.map((i) => `${i.name} ${i.from ?? '?'} → ${i.to ?? '?'}`);
    const first = ready.kind === 'channel' ? `Root's channel${ready.channels.length > 1 ? 's are' : ' is'} updated first (${from.join(', ')})` : `flake.lock is written first (${from.join(', ')})`;
    if (action.action === 'switch' && ready.kernel.changes && ready.kernel.to) warnings.push(`The kernel changes: restart to use kernel ${ready.kernel.to}.`);
    if (action.action === 'boot') warnings.push('The running system stays as it is until you restart.');
    return {
      id,
      action,
      title: action.action === 'switch' ? 'Apply the update now?' : 'Apply the update at the next boot?',
      summary: `${first}, then the system is built again and ${action.action === 'switch' ? 'activated now' : 'made the boot default'}, only if that gives exactly the system that was prepared (NixOS ${ready.nixosVersion.to ?? 'unknown'}). The current generation stays in the list, so you can roll back.`,
      method,
      available,
      from: null,
      to: null,
      diff: { lines: lines.slice(0, MAX_DIFF_LINES), note: lines.length === 0 ? 'No package changes its version (only the configuration differs).' : lines.length > MAX_DIFF_LINES ? `Showing the first ${MAX_DIFF_LINES} of ${lines.length} changes.` : null },
      warnings,
    };
  }

  /**
   * The profile as the action saw it: its current generation is the one the action expects, and the
   * generation it goes to is still the one it names (for a rollback: still the one below the current).
   */
  private async check(action: Extract<ConfirmableAction, { kind: 'rollback' | 'switch' }>) {
    const profile = await profileOf(this.ctx, action.profile);
    const [links, current] = profile ? await Promise.all([listProfileLinks(profile), currentGeneration(profile)]) : [[], null];
    const what = action.profile === 'system' ? 'system' : 'home-manager';
    if (current !== action.expectedCurrent) throw new AppError('conflict', profileMovedMessage(action.profile, current));
    const targetNumber = action.kind === 'rollback' ? rollbackTargetOf(links.map((l) => l.generation), current) : action.generation;
    if (action.kind === 'rollback' && targetNumber !== action.target) {
      throw targetNumber === null
        ? new AppError('not-found', `There is no older ${what} generation to roll back to.`)
        : new AppError('conflict', rollbackTargetMovedMessage(action.profile, action.target, targetNumber));
    }
    const fromLink = links.find((l) => l.generation === current);
    const toLink = links.find((l) => l.generation === targetNumber);
    if (!fromLink || !toLink) {
      throw new AppError(
        'not-found',
        action.kind === 'rollback'
          ? `There is no older ${what} generation to roll back to.`
          : `${what === 'system' ? 'System' : 'Home'} generation ${action.generation} no longer exists (it may have been deleted by a cleanup).`,
      );
    }
    return { fromLink, toLink };
  }

  /** Yes: run the action's method through the router, exactly as the window would. No: forget it. */
  async answer(id: string, accept: boolean): Promise<{ started: boolean; jobId: string | null }> {
    const pending = this.require(id);
    this.pending.delete(id);
    if (!accept) return { started: false, jobId: null };
    const { method, params } = actionMethod(pending.action);
    if (!isMethodName(method)) throw new AppError('unsupported', 'This version of the app cannot do this yet. Nothing was changed.');
    if (pending.action.kind === 'rollback' || pending.action.kind === 'switch') await this.check(pending.action);
    const res = await this.call(method, params);
    if (!res.ok) throw new AppError(res.error.code, res.error.message, res.error.detail, res.error.learn);
    const jobId = (res.result as { jobId?: unknown } | null)?.jobId;
    return { started: true, jobId: typeof jobId === 'string' ? jobId : null };
  }

  private require(id: string): Pending {
    this.expire();
    const p = this.pending.get(id);
    if (!p) throw new AppError('not-found', 'This confirmation has expired or was already answered. Start the action again.');
    return p;
  }

  private expire() {
    const now = Date.now();
    for (const [id, p] of this.pending) if (now - p.createdAt > EXPIRE_MS) this.pending.delete(id);
  }
}
