import { existsSync } from 'node:fs';
import path from 'node:path';

/** Say why the smoke test is skipped, in the run's own output (the list reporter does not print skip reasons). */
export default function setup() {
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!dist || !existsSync(path.join(dist, 'electron'))) {
    process.stderr.write('Electron smoke test SKIPPED: ELECTRON_OVERRIDE_DIST_PATH does not point at an Electron binary (it cannot be downloaded on this machine).\n');
  }
}
