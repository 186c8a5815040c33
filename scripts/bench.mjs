// `npm run bench`: every tests/bench/*.bench.mjs in turn; each prints its figures and its ratios
// against a baseline measured in the same run. `npm run bench -- usb` runs only names containing "usb".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const filter = process.argv[2] ?? '';
const benches = readdirSync(path.join(root, 'tests/bench')).filter((f) => f.endsWith('.bench.mjs') && f.includes(filter)).sort();
spawnSync(process.execPath, ['scripts/build.mjs', '--only=node'], { cwd: root, stdio: 'inherit' });
let failed = 0;
for (const bench of benches) {
  console.log(`\n### ${bench}`);
  const r = spawnSync(process.execPath, [path.join('tests/bench', bench)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
