import { access } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found from wherever this module was bundled or loaded. */
export function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export const builtHelperPath = () => path.join(appRoot(), 'dist/helper/helper.mjs');
export const builtRendererDir = () => path.join(appRoot(), 'dist/renderer');

/** The helper as built from this checkout, run by this Node (or Electron as Node). */
export function defaultHelperCommand(): string[] {
  return [process.execPath, builtHelperPath()];
}

/** Whether something exists at p (any kind of file, readable or not). */
export const pathExists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
