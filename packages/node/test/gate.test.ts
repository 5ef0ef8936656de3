import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorDouble } from '../../../test-support/collector-double.js';
import { eventually } from '../../../test-support/wait.js';
import { removeHome, runTool } from './run-tool.js';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(join(DIST, 'tally-node-core.cjs'));

/**
 * The gate (dist/tally-node.js) is all a host with telemetry off loads; the core is loaded only once
 * telemetry is on. Shown with a copy of the package whose core, when it is loaded, says so and sets
 * the exit code.
 */
describe.skipIf(!built)('the consent gate', () => {
  const dirs: string[] = [];
  let pkg: string;
  beforeAll(() => {
    pkg = mkdtempSync(join(tmpdir(), 'gate-pkg-'));
    dirs.push(pkg);
    for (const f of ['tally-node.js', 'sender.js']) copyFileSync(join(DIST, f), join(pkg, f));
    writeFileSync(
      join(pkg, 'tally-node-core.cjs'),
      "process.stderr.write('core loaded\\n'); process.exitCode = 7; throw new Error('no core here');\n",
    );
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A CLI that tracks one event with this copy of the SDK; its exit code and stderr. */
  function run(env: Record<string, string>) {
    const home = mkdtempSync(join(tmpdir(), 'gate-home-'));
    dirs.push(home);
    const script = `import { createTelemetry } from ${JSON.stringify(join(pkg, 'tally-node.js'))};
      const t = createTelemetry({ app: 'tool', key: 'tk_tool', endpoint: 'http://127.0.0.1:9' });
      t.track('error', { message: 'x' });
      console.log('done', await t.command(['build']), t.status().enabled);`;
    try {
      const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '', DO_NOT_TRACK: '', CI: '', ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { status: 0, stdout, stderr: '', files: readdirSync(home) };
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      return { status: e.status, stdout: e.stdout, stderr: e.stderr, files: readdirSync(home) };
    }
  }

  it('telemetry off: the core is never loaded, and nothing is written', () => {
    const r = run({ TOOL_DISABLE_TELEMETRY: '1' });
    expect(r).toEqual({ status: 0, stdout: 'done false false\n', stderr: '', files: [] });
  });

  it('telemetry on: the core is loaded, and a core that cannot load never hurts the host', () => {
    const r = run({});
    // The core ran (and set the exit code, which the host did not ask for): so the test above can fail.
    expect(r.stderr).toBe('core loaded\n');
    expect(r.status).toBe(7);
    // The host's own work went on: the gate caught the failure, and answers without its core.
    expect(r.stdout).toBe('done false true\n');
  });
});

/**
 * The core is compiled with a V8 code cache kept in the telemetry folder. A damaged or foreign cache
 * file must never crash the host or change what is sent.
 */
describe.skipIf(!built)('the code cache of the core', () => {
  let collector: Awaited<ReturnType<typeof collectorDouble>>;
  let home: string;
  let runs = 0;
  const folder = () => join(home, '.config', 'tool');
  const caches = () => readdirSync(folder()).filter((n) => /^code-.*\.bin$/.test(n));
  /** The cache this Node makes (a test may have added others). */
  const own = () => caches().filter((n) => n.endsWith(`-${process.arch}-${process.versions.v8}.bin`));
  beforeAll(async () => {
    collector = await collectorDouble('ok');
    home = mkdtempSync(join(tmpdir(), 'cache-home-'));
  });
  afterAll(async () => {
    await collector.close();
    removeHome(home);
  });

  /** One run that tracks a marked event; resolves once the collector has it. */
  async function delivered(mark: string) {
    const r = await runTool('exit', {
      home,
      endpoint: collector.url,
      env: { TOOL_KEY: `tk_${mark}` },
    });
    expect(r).toEqual({ status: 0, stderr: expect.not.stringContaining('Error') });
    await eventually(() => collector.bodies.some((b) => (b as { app: string }).app === `tk_${mark}`), 15_000);
  }

  /** The cache file: two equal copies of what V8 made. */
  function cache() {
    const [name] = own();
    const file = join(folder(), name as string);
    const bytes = readFileSync(file);
    const half = bytes.length / 2;
    return {
      name,
      file,
      bytes,
      mtimeMs: statSync(file).mtimeMs,
      halvesEqual: bytes.subarray(0, half).equals(bytes.subarray(half)),
    };
  }

  it('is made by the first run that has none, and used as it is by the next', async () => {
    await delivered('first');
    const made = cache();
    expect(made.name).toBe(`code-${made.name?.slice(5, 21)}-${process.arch}-${process.versions.v8}.bin`);
    expect(made.bytes.length).toBeGreaterThan(1000);
    expect(made.halvesEqual).toBe(true);
    await delivered('second');
    const used = cache();
    // Not written again: V8 took it (a refused cache is made anew).
    expect(used.mtimeMs).toBe(made.mtimeMs);
    expect(used.bytes.equals(made.bytes)).toBe(true);
  });

  it.each([
    [
      'copies that differ (damaged on disk)',
      (b: Buffer) => Buffer.from(b).fill(0x5a, b.length - 64, b.length - 32),
    ],
    [
      'bytes that are not a V8 cache',
      (b: Buffer) => {
        const noise = Buffer.alloc(b.length / 2, 0x17);
        return Buffer.concat([noise, noise]);
      },
    ],
    ['a truncated file', (b: Buffer) => b.subarray(0, b.length - 3)],
    ['an empty file', () => Buffer.alloc(0)],
  ])('%s: no crash, the event is sent, and the cache is made anew', async (_what, damage) => {
    const before = cache();
    writeFileSync(before.file, damage(before.bytes));
    const damaged = readFileSync(before.file);
    await delivered(`damaged${++runs}`);
    const after = cache();
    expect(after.halvesEqual).toBe(true);
    expect(after.bytes.length).toBeGreaterThan(1000);
    expect(after.bytes.equals(damaged)).toBe(false);
  });

  it('the cache of an earlier core is removed when a new one is made; another Node version’s is kept', async () => {
    const current = cache();
    const id = current.name?.slice(5, 21);
    writeFileSync(join(folder(), 'code-0123456789abcdef-x64-11.3.0.bin'), 'old');
    writeFileSync(join(folder(), `code-${id}-arm64-12.4.254.bin`), 'other node');
    rmSync(current.file);
    await delivered('renewed');
    expect(caches().sort()).toEqual([current.name, `code-${id}-arm64-12.4.254.bin`].sort());
  });
});

describe.skipIf(!built)('an opt-in app whose contract has a mistake', () => {
  it('still asks first: nothing is sent or written before the user says yes', () => {
    const home = mkdtempSync(join(tmpdir(), 'optin-home-'));
    try {
      const contract = { app: 'tool', consent: 'opt-in', events: { 'not a name!': { description: 'x' } } };
      const script = `import { createTelemetry } from ${JSON.stringify(join(DIST, 'tally-node.js'))};
        const t = createTelemetry({ app: 'tool', key: 'tk_tool', endpoint: 'http://127.0.0.1:9', contract: ${JSON.stringify(contract)} });
        t.track('error', { message: 'x' });
        const { enabled, source, detail } = t.status();
        console.log(JSON.stringify({ enabled, source, detail }));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '', DO_NOT_TRACK: '', CI: '' },
        encoding: 'utf8',
      });
      expect(JSON.parse(out)).toEqual({ enabled: false, source: 'default', detail: 'off until you agree' });
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!built)('two apps in one process', () => {
  it('share one core, and each delivers its own events', async () => {
    const collector = await collectorDouble('ok');
    const home = mkdtempSync(join(tmpdir(), 'two-apps-home-'));
    try {
      const script = `import { createTelemetry } from ${JSON.stringify(join(DIST, 'tally-node.js'))};
        for (const app of ['tool', 'other']) {
          const t = createTelemetry({ app, key: 'tk_' + app, endpoint: process.env.ENDPOINT });
          t.track('error', { message: 'from ' + app });
          await t.shutdown();
        }`;
      await new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--input-type=module', '-e', script],
          {
            env: {
              ...process.env,
              HOME: home,
              XDG_CONFIG_HOME: '',
              DO_NOT_TRACK: '',
              CI: '',
              ENDPOINT: collector.url,
            },
          },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      const apps = (
        collector.bodies as Array<{ app: string; events: Array<{ props?: { message?: string } }> }>
      ).map((b) => [b.app, b.events[0]?.props?.message]);
      expect(apps.sort()).toEqual([
        ['tk_other', 'from other'],
        ['tk_tool', 'from tool'],
      ]);
    } finally {
      await collector.close();
      removeHome(home);
    }
  });
});
