import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HomeForm, NixParseError } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { atomicWriteWithBackup } from '../../core/config-files';
import { sha256 } from '../../core/hash';
import { nixParse } from '../../core/nix';
import { stripAnsi } from '../../core/text';
import { generateHomeNix } from './generator';
import { resolveConfigPath } from './status';


/** Parse with the real Nix parser (`nix-instantiate --parse -`); the error keeps Nix's own words and position. */
export async function parseNix(ctx: AppContext, content: string): Promise<NixParseError | null> {
  let failed: Awaited<ReturnType<typeof nixParse>>;
  try {
    failed = await nixParse(ctx.runner, { text: content }, { internalJson: true });
  } catch (err) {
    if (err instanceof AppError && err.code === 'command-missing') throw err;
    return { message: 'Nix could not read this file.', line: null, column: null };
  }
  if (!failed) return null;
  const stderr: string[] = [];
  for (const line of failed.stderr) {
    if (!line.startsWith('@nix ')) {
      stderr.push(line);
      continue;
    }
    try {
      const entry = JSON.parse(line.slice(5)) as { action?: string; level?: number; raw_msg?: string; msg?: string; line?: number | null; column?: number | null };
      if (entry.action === 'msg' && entry.level === 0) return { message: stripAnsi(entry.raw_msg ?? entry.msg ?? 'syntax error').trim(), line: entry.line ?? null, column: entry.column ?? null };
    } catch {
      stderr.push(line);
    }
  }
  return { message: stderr.map(stripAnsi).join('\n').trim() || 'Nix could not read this file.', line: null, column: null };
}

export async function readHomeConfig(ctx: AppContext) {
  const config = await resolveConfigPath(ctx);
  const content = config.exists ? await readFile(config.path, 'utf8') : '';
  return {
    path: config.path,
    exists: config.exists,
    content,
    sha256: config.exists ? sha256(content) : '',
    parseError: config.exists ? await parseNix(ctx, content) : null,
  };
}

export async function generateHomeConfig(ctx: AppContext, form: HomeForm) {
  const { content, options } = generateHomeNix(form);
  return { content, options, parseError: await parseNix(ctx, content) };
}

export async function validateHomeConfig(ctx: AppContext, content: string) {
  const error = await parseNix(ctx, content);
  return { ok: error === null, error };
}

/** Atomic write with a timestamped backup of the previous file, only when the text parses. */
export async function writeHomeConfig(ctx: AppContext, content: string, expectedSha256?: string) {
  const error = await parseNix(ctx, content);
  if (error) {
    const where = error.line ? ` on line ${error.line}${error.column ? `, column ${error.column}` : ''}` : '';
    throw new AppError('nix-error', `home.nix was not saved: Nix cannot read it${where}. Fix the error and save again.`, error.message);
  }
  const config = await resolveConfigPath(ctx);
  const dir = path.dirname(config.path);
  await mkdir(dir, { recursive: true });
  const written = await atomicWriteWithBackup(dir, path.basename(config.path), content, expectedSha256);
  ctx.events.emit({ topic: 'changed', what: 'config', detail: { area: 'home', path: written.path } });
  return { path: written.path, backup: written.backup, sha256: written.sha256 };
}
