/**
 * "Add to my configuration": preview the change as a diff, then write it — the system's
 * configuration.nix through the root helper's write-config (atomic, backed up, conflict-checked),
 * Home Manager's home.nix directly (it belongs to the user) with the same atomic write. Both are
 * checked with the real `nix-instantiate --parse` first.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { AddItem, AddPreview, AddTarget, OptionResult, PackageResult } from '../../../shared/contract/search';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { atomicWriteWithBackup } from '../../core/config-files';
import { sha256 } from '../../core/hash';
import { nixParse } from '../../core/nix';
import { addOption, addPackage, optionSnippet, packageSnippet, type EditResult } from './config-edit';
import { sourceIndex } from './sources';


const nextSteps: Record<AddTarget, AddPreview['nextStep']> = {
  system: { label: 'Rebuild and switch the system', route: '#/system/rebuild' },
  home: { label: 'Switch Home Manager', route: '#/home-manager' },
};

function targetFile(ctx: AppContext, target: AddTarget): string {
  return target === 'system' ? path.join(ctx.host.nixosConfigDir, 'configuration.nix') : ctx.host.homeManagerConfig;
}

/** The value to write for an option: true for an enable switch, else its example, else its default. */
export function optionValueText(o: OptionResult): { text: string; usable: boolean } {
  if (o.type === 'boolean' && o.name.endsWith('.enable')) return { text: 'true', usable: true };
  for (const v of [o.example, o.default]) if (v?.kind === 'nix' && v.text.trim()) return { text: v.text.trim(), usable: true };
  const prose = o.example ?? o.default;
  return { text: `/* ${prose ? prose.text.replace(/\*\//g, '* /').split('\n')[0] : `a value of type ${o.type}`} */ null`, usable: false };
}

interface Planned {
  file: string;
  before: string | null;
  edit: EditResult;
  snippet: string;
}

async function plan(ctx: AppContext, target: AddTarget, item: AddItem): Promise<Planned> {
  const file = targetFile(ctx, target);
  const before = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
  const fileName = target === 'system' ? 'configuration.nix' : 'home.nix';
  if (item.kind === 'package') {
    const index = await sourceIndex(ctx, 'packages');
    const doc = index.findByName(item.attr);
    if (doc === null || index.name(doc) !== item.attr) throw new AppError('not-found', `There is no package called ${item.attr} in the package list.`);
    const pkg = index.record<PackageResult>(doc);
    const listPath = target === 'system' ? 'environment.systemPackages' : 'home.packages';
    const snippet = packageSnippet(pkg.attr, listPath);
    if (before === null) return { file, before, snippet, edit: { status: 'manual', message: `There is no ${fileName} at ${file}.` } };
    return { file, before, snippet, edit: addPackage(before, pkg.attr, listPath) };
  }
  if (item.kind === 'setting') {
    // nixpkgs.config is free-form: its keys are not in the options list, so the edit is made from the name and value alone
    const snippet = optionSnippet(item.name, String(item.value));
    if (before === null) return { file, before, snippet, edit: { status: 'manual', message: `There is no ${fileName} at ${file}.` } };
    return { file, before, snippet, edit: addOption(before, item.name, String(item.value)) };
  }
  if ((item.source === 'home-manager') !== (target === 'home')) {
    throw new AppError('refused', item.source === 'home-manager' ? 'Home Manager options belong in home.nix, not in the system configuration.' : 'NixOS options belong in the system configuration, not in home.nix.');
  }
  const index = await sourceIndex(ctx, item.source);
  const doc = index.findByName(item.name);
  if (doc === null || index.name(doc) !== item.name) throw new AppError('not-found', `There is no option called ${item.name}.`);
  const option = index.record<OptionResult>(doc);
  const value = optionValueText(option);
  const snippet = optionSnippet(option.name, value.text);
  if (option.readOnly) return { file, before, snippet, edit: { status: 'manual', message: `${option.name} is read-only: NixOS sets it itself, it cannot be set in a configuration.` } };
  if (before === null) return { file, before, snippet, edit: { status: 'manual', message: `There is no ${fileName} at ${file}.` } };
  if (!value.usable) return { file, before, snippet, edit: { status: 'manual', message: `${option.name} has no example the app can copy. Paste the snippet and fill in a value of type “${option.type}”.` } };
  return { file, before, snippet, edit: addOption(before, option.name, value.text) };
}

/** `nix-instantiate --parse` on the text; null when it parses, else the error in nix's words. */
export async function parseError(ctx: AppContext, text: string, name: string): Promise<string | null> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nc-parse-'));
  const file = path.join(dir, name);
  try {
    await writeFile(file, text);
    const failed = await nixParse(ctx.runner, { file });
    return failed ? failed.stderr.join('\n').trim().split(dir + path.sep).join('') || `exit code ${failed.exitCode}` : null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function checked(ctx: AppContext, p: Planned): Promise<EditResult> {
  if (p.edit.status !== 'ready' || p.before === null) return p.edit;
  const name = path.basename(p.file);
  const beforeError = await parseError(ctx, p.before, name);
  if (beforeError) return { status: 'manual', message: `${name} has a syntax error already, so the app will not change it. Fix it first (see the Config page).` };
  const afterError = await parseError(ctx, p.edit.text, name);
  if (afterError) return { status: 'manual', message: `The change would not parse (${afterError.split('\n')[0]}), so it was not made. Paste the snippet yourself.` };
  return p.edit;
}

export async function previewAdd(ctx: AppContext, params: { target: AddTarget; item: AddItem }): Promise<AddPreview> {
  const p = await plan(ctx, params.target, params.item);
  const edit = await checked(ctx, p);
  const name = path.basename(p.file);
  return {
    file: p.file,
    status: edit.status,
    message: edit.message,
    diff: edit.status === 'ready' ? createTwoFilesPatch(`a/${name}`, `b/${name}`, p.before ?? '', edit.text, undefined, undefined, { context: 3 }) : null,
    snippet: p.snippet,
    baseSha256: p.before === null ? null : sha256(p.before),
    nextStep: nextSteps[params.target],
  };
}

export async function applyAdd(ctx: AppContext, params: { target: AddTarget; item: AddItem; expectedSha256: string }) {
  const p = await plan(ctx, params.target, params.item);
  if (p.before === null || sha256(p.before) !== params.expectedSha256) {
    throw new AppError('conflict', `${path.basename(p.file)} changed since the preview. Look at the change again, then apply it.`);
  }
  const edit = await checked(ctx, p);
  if (edit.status !== 'ready') throw new AppError('refused', edit.message);
  let backup: string | null;
  if (params.target === 'system') {
    const relative = path.relative(ctx.host.nixosConfigDir, p.file);
    const written = await ctx.privileged.run('write-config', { relativePath: relative, content: edit.text, expectedSha256: params.expectedSha256 });
    backup = written.backup;
  } else {
    const written = await atomicWriteWithBackup(path.dirname(p.file), path.basename(p.file), edit.text, params.expectedSha256);
    backup = written.backup;
  }
  ctx.events.emit({ topic: 'changed', what: 'config', detail: { file: p.file } });
  return { file: p.file, backup, nextStep: nextSteps[params.target] };
}
