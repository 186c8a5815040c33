import { execFileSync } from 'node:child_process';

/** Integration tests run the real root helper, which runs from its bundle: build it once per run. */
export default function setup() {
  execFileSync(process.execPath, ['scripts/build.mjs', '--only=node'], { stdio: 'inherit' });
}
