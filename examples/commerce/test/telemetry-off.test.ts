import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Behaviour, collectorDouble } from '../../../test-support/collector-double.js';
import {
  acme,
  batchesIn,
  eventually,
  filesUnder,
  readOnlyDir,
  remove,
  senderRunning,
  temp,
} from './support.js';

/** Leaves a spooled batch as an earlier enabled run with the collector down would have. */
function leftoverSpool(home: string): string {
  const dir = join(home, '.config', 'acme', 'spool');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${Date.now() - 60_000}-abcd.json`);
  writeFileSync(file, JSON.stringify({ app: 'tk_test', events: [{ name: 'start' }] }));
  return file;
}

describe('telemetry off means off', () => {
  let collector: Awaited<ReturnType<typeof collectorDouble>>;
  beforeAll(async () => {
    collector = await collectorDouble();
  });
  afterAll(() => collector.close());

  const ways: Array<[string, string, (project: string, home: string) => Promise<Record<string, string>>]> = [
    ['DO_NOT_TRACK=1', 'DO_NOT_TRACK', async () => ({ DO_NOT_TRACK: '1' })],
    [
      '[M6] ACME_DISABLE_TELEMETRY=true',
      'environment variable',
      async () => ({ ACME_DISABLE_TELEMETRY: 'true' }),
    ],
    [
      '[M7] `acme telemetry --disable` in the project root',
      'project config',
      async (project, home) => {
        const r = await acme(['telemetry', '--disable'], { home, project, endpoint: collector.url });
        expect(r.stdout).toContain('Telemetry disabled for this project');
        return {};
      },
    ],
    [
      'a project config file',
      'project config',
      async (project) => {
        mkdirSync(join(project, '.acme'), { recursive: true });
        writeFileSync(join(project, '.acme', 'telemetry.json'), '{"enabled": false}');
        return {};
      },
    ],
  ];

  for (const [name, source, setup] of ways) {
    it(`${name}: acme start makes no request, no file, no process, prints nothing, and deletes an old spool`, async () => {
      const home = temp('acme-home-');
      const project = temp('acme-project-');
      try {
        const env = await setup(project, home);
        const spoolFile = leftoverSpool(home);
        const before = filesUnder(home);
        const connections = collector.connections;
        const run = await acme(['start'], { home, project, endpoint: collector.url, env });
        expect(run.code).toBe(0);
        expect(run.stderr).toBe('');
        expect(run.stdout.trim().split('\n')).toEqual([expect.stringContaining('Acme backend listening on')]);
        expect(run.trace).toEqual([]);
        expect(collector.connections).toBe(connections);
        const after = filesUnder(home);
        expect(after.filter((f) => !before.includes(f))).toEqual([]);
        expect(after).not.toContain(spoolFile);

        const status = await acme(['telemetry', 'status'], { home, project, endpoint: collector.url, env });
        expect(status.stdout).toContain('Telemetry: disabled');
        expect(status.stdout).toContain(`Decided by: ${source}`);
        expect(status.stdout).toContain('Machine id: (none created)');
        expect(filesUnder(home)).toEqual(after);
      } finally {
        remove(home, project);
      }
    });
  }

  it('[M7] `acme telemetry --enable` turns it back on', async () => {
    const home = temp('acme-home-');
    const project = temp('acme-project-');
    try {
      await acme(['telemetry', '--disable'], { home, project, endpoint: collector.url });
      await acme(['telemetry', '--enable'], { home, project, endpoint: collector.url });
      const sent = collector.bodies.length;
      const run = await acme(['start'], {
        home,
        project,
        endpoint: collector.url,
        until: () => eventually(() => collector.bodies.length > sent),
      });
      expect(run.code).toBe(0);
      expect(collector.bodies.length).toBe(sent + 1);
      const status = await acme(['telemetry', 'status'], { home, project, endpoint: collector.url });
      expect(status.stdout).toContain('Telemetry: enabled');
      expect(status.stdout).toContain('Decided by: project config');
    } finally {
      remove(home, project);
    }
  });

  const broken: Array<[string, (home: string) => string, string]> = [
    [
      'a HOME path that is a file',
      (home) => {
        writeFileSync(join(home, 'file'), '');
        return join(home, 'file', 'home');
      },
      'Decided by: unusable config directory',
    ],
    ['no HOME', () => '', 'Decided by: unusable config directory'],
    [
      'a corrupt config file',
      (home) => {
        mkdirSync(join(home, '.config', 'acme'), { recursive: true });
        writeFileSync(join(home, '.config', 'acme', 'telemetry.json'), '{not json');
        return home;
      },
      'Decided by: corrupt config file',
    ],
  ];
  it('a read-only HOME: no crash, nothing sent, nothing written, status says why', async () => {
    const home = readOnlyDir();
    const project = temp('acme-project-');
    try {
      const connections = collector.connections;
      const run = await acme(['start'], { home: home.path, project, endpoint: collector.url });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(collector.connections).toBe(connections);
      expect(run.trace.filter((t) => t.startsWith('spawn'))).toEqual([]);
      expect(filesUnder(home.path)).toEqual([]);
      const status = await acme(['telemetry', 'status'], {
        home: home.path,
        project,
        endpoint: collector.url,
      });
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('Decided by: unusable config directory');
      // even where a setting asks for it: with nowhere to keep an id, telemetry cannot be on
      const forced = await acme(['telemetry', 'status'], {
        home: home.path,
        project,
        endpoint: collector.url,
        env: { ACME_DISABLE_TELEMETRY: 'false' },
      });
      expect(forced.stdout).toContain('Decided by: unusable config directory');
    } finally {
      home.release();
      remove(home.path, project);
    }
  });

  for (const [name, makeHome, statusLine] of broken) {
    it(`${name}: no crash, nothing sent`, async () => {
      const base = temp('acme-home-');
      const project = temp('acme-project-');
      try {
        const home = makeHome(base);
        const connections = collector.connections;
        const run = await acme(['start'], { home, project, endpoint: collector.url });
        expect(run.code).toBe(0);
        expect(run.stderr).toBe('');
        expect(collector.connections).toBe(connections);
        const status = await acme(['telemetry', 'status'], { home, project, endpoint: collector.url });
        expect(status.code).toBe(0);
        expect(status.stdout).toContain(statusLine);
      } finally {
        remove(base, project);
      }
    });
  }

  it('debug mode prints the exact payload and sends nothing', async () => {
    const home = temp('acme-home-');
    const project = temp('acme-project-');
    try {
      const connections = collector.connections;
      const run = await acme(['start'], {
        home,
        project,
        endpoint: collector.url,
        env: { ACME_TELEMETRY_DEBUG: '1' },
      });
      expect(run.stderr).toContain('would send (debug mode sends nothing)');
      expect(run.stderr).toContain('"backendVersion": "2.1.0"');
      expect(collector.connections).toBe(connections);
    } finally {
      remove(home, project);
    }
  });
});

describe('a collector that is down, black-holed or failing costs the CLI nothing', () => {
  const cases: Array<[string, Behaviour | 'down']> = [
    ['down', 'down'],
    ['black-holed', 'blackhole'],
    ['answering 500', 'error500'],
  ];
  for (const [name, behaviour] of cases) {
    it(`[R15] collector ${name}: same output and exit code, bounded shutdown, delivered on a later run`, async () => {
      const home = temp('acme-home-');
      const project = temp('acme-project-');
      const bad = behaviour === 'down' ? null : await collectorDouble(behaviour);
      try {
        const endpoint = bad?.url ?? 'http://127.0.0.1:9'; // port 9 (discard) is closed on loopback
        const run = await acme(['start'], { home, project, endpoint });
        expect(run.code).toBe(0);
        expect(run.stdout.trim().split('\n')).toEqual([expect.stringContaining('Acme backend listening on')]);
        // The first run prints the one-time notice; nothing about the failure.
        expect(run.stderr).not.toMatch(/error|fail|ECONN/i);
        expect(run.stopMs).toBeLessThan(5000); // shutdown is bounded at 1 s; a hang would show here
        const spool = join(home, '.config', 'acme', 'spool');
        expect(await eventually(() => batchesIn(spool).length >= 1, 15_000)).toBe(true);
        expect(batchesIn(spool).length).toBeLessThanOrEqual(50);
        // The first run's detached sender gives up (on the collector that is going away) first.
        expect(await eventually(() => !senderRunning(spool), 20_000)).toBe(true);
        await bad?.close();

        const good = await collectorDouble('ok');
        try {
          const later = await acme(['start'], { home, project, endpoint: good.url });
          expect(later.code).toBe(0);
          // The new start event in-process, the spooled one by the detached sender after exit.
          const starts = () =>
            good.bodies
              .flatMap((b) => (b as { events: Array<{ name: string }> }).events)
              .filter((e) => e.name === 'start');
          expect(await eventually(() => starts().length >= 2, 15_000)).toBe(true);
          expect(await eventually(() => batchesIn(spool).length === 0, 15_000)).toBe(true);
        } finally {
          await good.close();
        }
      } finally {
        await bad?.close().catch(() => {});
        remove(home, project);
      }
    });
  }

  it('a key the collector answers 410 for is retired: recorded once, and no run sends for it again', async () => {
    const home = temp('acme-home-');
    const project = temp('acme-project-');
    const gone = await collectorDouble('gone410');
    try {
      const first = await acme(['start'], { home, project, endpoint: gone.url });
      expect(first.code).toBe(0);
      expect(gone.bodies.length).toBeGreaterThan(0);
      const config = JSON.parse(readFileSync(join(home, '.config', 'acme', 'telemetry.json'), 'utf8'));
      expect(config.retiredKeys).toEqual(['tk_test']);
      const seen = gone.connections;
      const later = await acme(['start'], { home, project, endpoint: gone.url });
      expect(later.code).toBe(0);
      expect(gone.connections).toBe(seen);
      expect(batchesIn(join(home, '.config', 'acme', 'spool'))).toEqual([]);
    } finally {
      await gone.close();
      remove(home, project);
    }
  });

  it('the spool never exceeds its caps', async () => {
    const home = temp('acme-home-');
    const project = temp('acme-project-');
    try {
      const spool = join(home, '.config', 'acme', 'spool');
      mkdirSync(spool, { recursive: true });
      for (let i = 0; i < 80; i++)
        writeFileSync(
          join(spool, `${Date.now() - 1000 + i}-${String(i).padStart(4, '0')}.json`),
          '{"app":"tk_test","events":[]}',
        );
      await acme(['start'], { home, project, endpoint: 'http://127.0.0.1:9' });
      expect(batchesIn(spool).length).toBeLessThanOrEqual(50);
    } finally {
      remove(home, project);
    }
  });
});
