// @tally/node overhead: wall time of a trivial CLI command with no SDK, with telemetry off, and on:
// a command that sends nothing (as all but `start` in the seed's CLI), and one that tracks an event
// (the spool and detached-sender path) with the collector up, down, black-holed and answering 500;
// the cost of one track() call; the SDK's import time. Medians of 20+ runs,
// variants interleaved in the same run; and the mean CPU time of those same runs. For reference, the
// floor: the same CLI importing a one-line package by its name.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenCpuMs, median, ROOT, report } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const SETTLE_MS = 250;
const home = mkdtempSync(join(tmpdir(), 'tally-bench-home-'));
const env = (extra) => ({ ...process.env, HOME: home, XDG_CONFIG_HOME: '', DO_NOT_TRACK: '', ...extra });

/**
 * One run: its wall time and the CPU time it used, in ms. A detached sender is not counted: the CLI
 * does not wait for it either.
 */
function once(args, extraEnv) {
  const cpu = childrenCpuMs();
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    env: env(extraEnv),
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
  return { wallMs, cpuMs: cpu === null ? null : (childrenCpuMs() ?? 0) - cpu };
}

const round1 = (x) => Math.round(x * 10) / 10;
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)];

/** A new order each round (deterministic: the same every bench run). */
let seed = 12345;
function shuffled(xs) {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Runs the variants interleaved, round after round, so machine drift hits each alike, in a new order
 * each round, so that what a run leaves behind (a detached sender starting up, caches cooled by the
 * pause) does not fall on the same variant every round. Returns each
 * variant's median, and its overhead: the median over rounds of (variant − first variant) in the same
 * round, which drift between rounds does not move the way it moves a difference of two medians,
 * with the quartiles of those differences (how far one run's overhead can be trusted on this host).
 */
function interleaved(variants) {
  const times = variants.map(() => []);
  const cpuSums = variants.map(() => 0);
  for (let i = 0; i < RUNS; i++)
    shuffled(variants.map((_, k) => k)).forEach((k) => {
      const [args, extraEnv] = variants[k];
      const run = once(args, extraEnv);
      times[k].push(run.wallMs);
      cpuSums[k] = run.cpuMs === null || cpuSums[k] === null ? null : cpuSums[k] + run.cpuMs;
      // Let a detached sender started by this run finish before the next run is timed.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
    });
  const diffs = times.map((t) => t.map((x, i) => x - times[0][i]));
  // CPU time comes in 10 ms steps, summed over all runs: the mean of a run, to about 10/RUNS ms.
  const cpuMs = cpuSums.map((t) => (t === null ? null : t / RUNS));
  return {
    cpu: cpuMs.map((c) => (c === null ? null : round1(c))),
    cpuOver: cpuMs.map((c) => (c === null || cpuMs[0] === null ? null : round1(c - cpuMs[0]))),
    medians: times.map((t) => round1(median(t))),
    paired: diffs.map((d) => round1(median(d))),
    quartiles: diffs.map((d) => [round1(quantile(d, 0.25)), round1(quantile(d, 0.75))]),
    // The noise of this host only ever adds time (preemption, a neighbour's load): the fastest runs
    // of a variant vary least. Its 10th percentile minus the no-SDK one: the overhead least moved by it.
    lowQuantile: times.map((t) => round1(quantile(t, 0.1) - quantile(times[0], 0.1))),
  };
}

/** A stand-in collector in its own process; resolves to its URL and a way to stop it. */
async function collector(behaviour) {
  const child = spawn(process.execPath, [join(ROOT, 'bench/fixtures/collector.mjs'), behaviour], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  return { url, stop: () => child.kill() };
}

const collectors = await Promise.all(['ok', 'blackhole', 'error500'].map(collector));
const [up, blackholed, failing] = collectors;
/** Each "on" variant keeps its own HOME, so one variant's spool and back-off never affect another. */
const homes = [home];
const onWith = (endpoint) => {
  homes.push(mkdtempSync(join(tmpdir(), 'tally-bench-home-')));
  return { HOME: homes.at(-1), BENCHCLI_TELEMETRY_ENDPOINT: endpoint };
};
const track = join(ROOT, 'bench/fixtures/cli-track.mjs');

/**
 * The floor: the same trivial CLI importing a one-line ES module package by its name. Node's first
 * import of a package (finding it, reading its package.json, the ES module loader's own work) costs
 * the same whatever the package: the part of any SDK's overhead that no SDK can remove.
 */
function oneLinePackageCli() {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-floor-'));
  homes.push(dir); // removed at the end, with the homes
  const pkg = join(dir, 'node_modules', 'one-line');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'one-line', type: 'module', exports: './index.js' }),
  );
  writeFileSync(join(pkg, 'index.js'), "export const version = '2.1.0';\n");
  writeFileSync(join(dir, 'cli.mjs'), "import { version } from 'one-line';\nconsole.log(version);\n");
  return join(dir, 'cli.mjs');
}

/** The runs compared, by name; overheads are against the first. */
const VARIANTS = {
  noSdk: [[join(ROOT, 'bench/fixtures/cli-no-sdk.mjs')]],
  off: [[track], { BENCHCLI_DISABLE_TELEMETRY: 'true' }],
  onCollectorDown: [[track], onWith('http://127.0.0.1:9')], // nothing listens on the discard port
  onCollectorUp: [[track], onWith(up.url)],
  onCollectorBlackholed: [[track], onWith(blackholed.url)],
  onCollector500: [[track], onWith(failing.url)],
  acmeVersionCommand: [[join(ROOT, 'examples/commerce/dist/cli.js'), '--version']],
  bareNode: [['--input-type=module', '-e', '']],
  importSdk: [['--input-type=module', '-e', "await import('@tally/node')"]],
  // The floor (see oneLinePackageCli): what importing any package by its name costs this CLI.
  importOneLinePackage: [[oneLinePackageCli()]],
  // Telemetry on, a command that sends nothing (cli-on-quiet.mjs): every command but `start`.
  onCommandSendingNothing: [[join(ROOT, 'bench/fixtures/cli-on-quiet.mjs'), '--version'], onWith(up.url)],
};
const results = interleaved(Object.values(VARIANTS));
/** One of interleaved()'s lists (in VARIANTS order) by variant name. */
const byName = (values) => Object.fromEntries(Object.keys(VARIANTS).map((name, i) => [name, values[i]]));
const [wall, over, low, quartiles, cpu, cpuOver] = [
  results.medians,
  results.paired,
  results.lowQuantile,
  results.quartiles,
  results.cpu,
  results.cpuOver,
].map(byName);
const pick = (figures, names) => Object.fromEntries(names.map((name) => [name, figures[name]]));
/** The runs that track an event with telemetry on. */
const TRACKING = ['onCollectorDown', 'onCollectorUp', 'onCollectorBlackholed', 'onCollector500'];
const OVERHEADS = ['off', ...TRACKING, 'importOneLinePackage', 'onCommandSendingNothing'];

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

/** The SDK's share measured inside the process (no process start-up noise): medians of RUNS. */
function inProcess(extraEnv, { oneOff = false } = {}) {
  const parts = { importMs: [], trackMs: [], exitMs: [], totalMs: [] };
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/fixtures/cli-timed.mjs')], {
      env: env(extraEnv),
      cwd: ROOT,
      encoding: 'utf8',
    });
    const t = JSON.parse(r.stderr.trim().split('\n').pop());
    for (const k of ['importMs', 'trackMs', 'exitMs']) parts[k].push(t[k]);
    parts.totalMs.push(t.importMs + t.trackMs + t.exitMs);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
    if (oneOff) stopSender(extraEnv.HOME);
  }
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]));
}
/**
 * Stops the detached sender a run left lingering (it stays 3 s for the runs that follow), so the next
 * run hands its spool to a sender of its own: the case of a CLI run once, not in a loop. A batch it
 * was holding goes back to the spool (its claimer is dead) for the next sender.
 */
function stopSender(home) {
  const state = join(home, '.config', 'benchcli', 'spool', 'sender.state');
  try {
    const { pid } = JSON.parse(readFileSync(state, 'utf8'));
    if (pid) process.kill(pid);
  } catch {
    // no sender left
  }
  rmSync(state, { force: true });
}
const sdkShareMs = {
  off: inProcess({ BENCHCLI_DISABLE_TELEMETRY: 'true' }),
  onCollectorDown: inProcess(onWith('http://127.0.0.1:9')),
  onCollectorUp: inProcess(onWith(up.url)),
  // Every run starts the detached sender (child_process loaded, fork and exec): a one-off run.
  onCollectorUpOneOffRun: inProcess(onWith(up.url), { oneOff: true }),
};

const deps = Object.keys(
  JSON.parse(readFileSync(join(ROOT, 'packages/node/package.json'), 'utf8')).dependencies ?? {},
);

report('node-sdk', {
  runs: RUNS,
  wallMs: {
    noSdk: wall.noSdk,
    telemetryOff: wall.off,
    ...pick(wall, [...TRACKING, 'acmeVersionCommand', 'importOneLinePackage', 'onCommandSendingNothing']),
  },
  // Median of per-round differences against the no-SDK run of the same round.
  overheadMs: pick(over, OVERHEADS),
  // The same overheads from each variant's 10th-percentile run (see interleaved()).
  overheadAt10thPercentileMs: pick(low, OVERHEADS),
  overheadQuartilesMs: pick(quartiles, ['off', ...TRACKING]),
  overheadTargetMs: 5,
  // The same runs in CPU time (mean per run, the CLI process alone): what the SDK costs the machine,
  // which preemption by other work on a shared host does not inflate the way it inflates wall time.
  cpuMsPerRun: { noSdk: cpu.noSdk, telemetryOff: cpu.off, ...pick(cpu, TRACKING) },
  cpuOverheadMs: pick(cpuOver, ['off', ...TRACKING]),
  sdkShareMs,
  trackMicroseconds: Math.round(trackUs * 100) / 100,
  importMs: round1(wall.importSdk - wall.bareNode),
  runtimeDependencies: deps,
});
for (const h of homes) rmSync(h, { recursive: true, force: true });
for (const c of collectors) c.stop();
