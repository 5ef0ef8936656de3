// @tally/node overhead: wall time of a trivial CLI command with no SDK, with telemetry off, and on
// (tracking one event, collector unreachable: the spool and detached-sender path); the cost of one
// track() call; the SDK's import time. Medians of 20+ runs, same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ROOT, report } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const home = mkdtempSync(join(tmpdir(), 'tally-bench-home-'));
const env = (extra) => ({ ...process.env, HOME: home, XDG_CONFIG_HOME: '', DO_NOT_TRACK: '', ...extra });

function once(args, extraEnv) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    env: env(extraEnv),
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Runs the variants interleaved, round after round, so machine drift hits each alike; medians. */
function interleaved(variants) {
  const times = variants.map(() => []);
  for (let i = 0; i < RUNS; i++)
    variants.forEach(([args, extraEnv], k) => {
      times[k].push(once(args, extraEnv));
    });
  return times.map((t) => Math.round(median(t) * 10) / 10);
}

const [noSdk, off, on, acmeVersion, bare, withImport] = interleaved([
  [[join(ROOT, 'bench/fixtures/cli-no-sdk.mjs')]],
  [[join(ROOT, 'bench/fixtures/cli-track.mjs')], { BENCHCLI_DISABLE_TELEMETRY: 'true' }],
  [[join(ROOT, 'bench/fixtures/cli-track.mjs')]],
  [[join(ROOT, 'examples/commerce/dist/cli.js'), '--version']],
  [['--input-type=module', '-e', '']],
  [['--input-type=module', '-e', "await import('@tally/node')"]],
]);

// One track() call, in process, telemetry on, sending never reached (flush interval far away).
const trackUs = Number(
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createTelemetry } from '@tally/node';
       const t = createTelemetry({ app: 'benchcli', key: 'k', endpoint: 'http://127.0.0.1:9', flushIntervalMs: 3600000 });
       t.track('error', { message: 'warm' });
       const n = 20000, s = process.hrtime.bigint();
       for (let i = 0; i < n; i++) t.track('error', { message: 'm' + i });
       console.log(Number(process.hrtime.bigint() - s) / 1e3 / n);
       process.exitCode = 0;`,
    ],
    { env: env({ BENCHCLI_TELEMETRY_ENDPOINT: 'http://127.0.0.1:9' }), cwd: ROOT, encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .pop(),
);

const deps = Object.keys(
  JSON.parse(readFileSync(join(ROOT, 'packages/node/package.json'), 'utf8')).dependencies ?? {},
);

report('node-sdk', {
  runs: RUNS,
  wallMs: { noSdk, telemetryOff: off, telemetryOnTrackOneEvent: on, acmeVersionCommand: acmeVersion },
  overheadMs: { off: Math.round((off - noSdk) * 10) / 10, on: Math.round((on - noSdk) * 10) / 10 },
  overheadTargetMs: 5,
  trackMicroseconds: Math.round(trackUs * 100) / 100,
  importMs: Math.round((withImport - bare) * 10) / 10,
  runtimeDependencies: deps,
});
rmSync(home, { recursive: true, force: true });
