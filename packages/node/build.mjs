// Three bundles: the gate (dist/tally-node.js, ESM: all a host with telemetry off loads), the core it
// loads synchronously once telemetry is on (dist/tally-node-core.cjs), and the detached sender
// (dist/sender.js). The gate learns a hash of the core's content: the name of its V8 code cache.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
await build({ ...common, entryPoints: ['src/core.ts'], format: 'cjs', outfile: 'dist/tally-node-core.cjs' });
const coreId = createHash('sha256')
  .update(readFileSync('dist/tally-node-core.cjs'))
  .digest('hex')
  .slice(0, 16);
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  format: 'esm',
  outfile: 'dist/tally-node.js',
  define: { CORE_ID: JSON.stringify(coreId) },
});
await build({
  ...common,
  entryPoints: ['src/sender.ts'],
  format: 'esm',
  outfile: 'dist/sender.js',
  allowOverwrite: true,
});
