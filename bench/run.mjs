// npm run bench: every benchmark in turn; each prints its figures and writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const only = process.argv[2];
const suites = [
  'queries.mjs',
  'ingest.mjs',
  'recent-keys.mjs',
  'node-sdk.mjs',
  'browser.mjs',
  'dashboard.mjs',
];
let failed = 0;
for (const file of suites) {
  if (only && !file.startsWith(only)) continue;
  const path = join(ROOT, 'bench', file);
  if (!existsSync(path)) continue;
  console.log(`\n== bench/${file}`);
  const r = spawnSync(process.execPath, [path], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
