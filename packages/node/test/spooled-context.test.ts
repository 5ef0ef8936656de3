import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineContract, validateContext } from '@tally/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Behaviour, collectorDouble } from '../../../test-support/collector-double.js';
import { startTestTally } from '../../../test-support/tally.js';
import { eventually } from '../../../test-support/wait.js';
import { removeHome, runTool } from './run-tool.js';

/** Runs `fn` with a collector double that behaves as told and a HOME of its own, then removes both. */
async function withCollector(
  behaviour: Behaviour,
  fn: (collector: Awaited<ReturnType<typeof collectorDouble>>, home: string) => Promise<void>,
): Promise<void> {
  const collector = await collectorDouble(behaviour);
  const home = mkdtempSync(join(tmpdir(), 'ctx-home-'));
  try {
    await fn(collector, home);
  } finally {
    await collector.close();
    removeHome(home);
  }
}

type Batch = {
  app: string;
  context: Record<string, unknown>;
  events: Array<{ props?: { message?: string } }>;
};

/**
 * A run that only spools leaves the costly context fields (OS facts, project id) to the process that
 * sends the batch. What reaches the collector must not depend on which process that was.
 */
describe('a batch delivered by the detached sender', () => {
  let collector: Awaited<ReturnType<typeof collectorDouble>>;
  const dirs: string[] = [];
  const temp = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    collector = await collectorDouble('ok');
  });
  afterAll(async () => {
    await collector.close();
    for (const d of dirs) removeHome(d);
  });

  /** Runs the CLI and waits for its batch (told apart by the message) to reach the collector. */
  async function deliveredFrom(mode: 'exit' | 'send', home: string, project: string, contract: object) {
    const r = await runTool(mode, { home, cwd: project, endpoint: collector.url, contract });
    expect(r.status).toBe(0);
    const find = () =>
      (collector.bodies as Batch[]).find(
        (b) => b.app === 'tk_tool' && b.events.some((e) => e.props?.message === `from ${mode}`),
      );
    await eventually(() => !!find(), 15_000);
    const batch = find();
    collector.bodies.length = 0;
    return batch;
  }

  it('carries the same context as a batch the process sent itself, project id included', async () => {
    const home = temp('ctx-home-');
    const project = temp('ctx-project-');
    const contract = { app: 'Tool', identifiers: { machine: true, project: true } };
    const spooled = await deliveredFrom('exit', home, project, contract);
    const sent = await deliveredFrom('send', home, project, contract);
    expect(spooled).toBeDefined();
    expect(sent).toBeDefined();
    // nothing local (the spool's `defer` is resolved); `id` is the batch's own, random
    expect(Object.keys(spooled as Batch).sort()).toEqual(['app', 'context', 'events', 'id', 'sentAt']);
    expect((spooled as Batch & { id: string }).id).toMatch(/^[a-z0-9]{8,30}$/);
    expect((spooled as Batch & { id: string }).id).not.toBe((sent as Batch & { id: string }).id);
    const { session: s1, ...fromSender } = (spooled as Batch).context;
    const { session: s2, ...fromProcess } = (sent as Batch).context;
    expect(s1).not.toBe(s2); // one session per run
    expect(fromSender).toEqual(fromProcess);
    for (const field of ['os', 'osVersion', 'arch', 'cpus', 'runtimeVersion', 'docker', 'machine', 'project'])
      expect(fromSender).toHaveProperty(field);
  });

  it('carries only what the contract declares', async () => {
    const home = temp('ctx-home-');
    const project = temp('ctx-project-');
    const spooled = await deliveredFrom('exit', home, project, {
      app: 'Tool',
      context: ['os', 'appVersion'],
    });
    expect(spooled).toBeDefined();
    expect(Object.keys((spooled as Batch).context).sort()).toEqual(['appVersion', 'os', 'sdk', 'session']);
  });
});

describe('shutdown() awaited at the top level of a script', () => {
  it("ends with the script's own exit code, within its 1 s bound, even when the collector never answers", async () => {
    await withCollector('blackhole', async (collector, home) => {
      const started = Date.now();
      const r = await runTool('send', {
        home,
        endpoint: collector.url,
      });
      expect(r.status).toBe(0); // not 13 (a top-level await left unsettled)
      expect(r.stderr).not.toContain('unsettled');
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});

describe('many events at once', () => {
  for (const mode of ['send', 'exit'] as const) {
    it(`${mode === 'send' ? 'sent by the process' : 'spooled and sent by the detached sender'}: all arrive, in batches the collector takes (at most 500 events)`, async () => {
      await withCollector('ok', async (collector, home) => {
        const r = await runTool(mode, {
          home,
          endpoint: collector.url,
          count: 1200,
        });
        expect(r.status).toBe(0);
        const batches = () => collector.bodies as Batch[];
        const events = () => batches().reduce((n, b) => n + b.events.length, 0);
        await eventually(() => events() >= 1200, 15_000);
        expect(events()).toBe(1200);
        for (const b of batches()) expect(b.events.length).toBeLessThanOrEqual(500);
      });
    });
  }
});

describe('a batch waiting behind one on the wire when the process exits', () => {
  it('is spooled with it, not lost', async () => {
    await withCollector('blackhole', async (collector, home) => {
      // keeps the first batch on the wire
      const r = await runTool('queued', {
        home,
        endpoint: collector.url,
      });
      expect(r.status).toBe(0);
      const spool = join(home, '.config', 'tool', 'spool');
      // Read what is spooled (a detached sender may be holding a batch: claimed files count too).
      const messages = () => {
        const out: string[] = [];
        for (const f of readdirSync(spool).filter((n) => /\.json(\.\d+)?$/.test(n))) {
          try {
            const b = JSON.parse(readFileSync(join(spool, f), 'utf8')) as Batch;
            for (const e of b.events) out.push(String(e.props?.message));
          } catch {
            return null; // renamed under us: look again
          }
        }
        return out.sort();
      };
      let seen = messages();
      for (let i = 0; i < 20 && seen === null; i++) seen = messages();
      expect(seen).toEqual(['from queued', 'second batch']);
    });
  });
});

describe('a context field longer than the collector takes', () => {
  it('is cut to fit, so the batch is not refused whole', async () => {
    await withCollector('ok', async (collector, home) => {
      const contract = { app: 'Tool' };
      const version = `3.0.0+${'build.'.repeat(40)}`; // 246 characters
      const r = await runTool('send', { home, endpoint: collector.url, contract, version });
      expect(r.status).toBe(0);
      const [batch] = collector.bodies as Batch[];
      expect(batch).toBeDefined();
      expect(validateContext(defineContract(contract), batch?.context)).toMatchObject({ ok: true });
      expect(String(batch?.context.appVersion)).toBe(version.slice(0, 128));
    });
  });
});

describe('an endpoint with a path (a collector behind a proxy at /telemetry/)', () => {
  for (const endpoint of ['/telemetry', '/telemetry/']) {
    it(`posts under it: ${endpoint}`, async () => {
      await withCollector('ok', async (collector, home) => {
        const r = await runTool('send', {
          home,
          endpoint: `${collector.url}${endpoint}`,
        });
        expect(r.status).toBe(0);
        expect(collector.paths).toEqual(['/telemetry/api/v1/events']);
      });
    });
  }
});

describe('a machine whose clock is two hours fast', () => {
  it('has its events counted at the collector’s time, not refused as in the future', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ctx-tally-'));
    const tally = await startTestTally(dataDir);
    const home = mkdtempSync(join(tmpdir(), 'ctx-home-'));
    try {
      const { id, key } = await tally.createApp({ name: 'clock' });
      const before = Date.now();
      const r = await runTool('send', {
        home,
        endpoint: tally.url,
        env: { TOOL_KEY: key, TOOL_CLOCK_OFFSET_MS: String(2 * 3_600_000) },
      });
      expect(r.status).toBe(0);
      const rows = await tally.services.events.all<{ ts: bigint }>(
        `SELECT ts FROM events WHERE app_id = ${id}`,
      );
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]?.ts)).toBeGreaterThanOrEqual(before - 1000);
      expect(Number(rows[0]?.ts)).toBeLessThanOrEqual(Date.now() + 1000);
    } finally {
      await tally.close();
      rmSync(dataDir, { recursive: true, force: true });
      removeHome(home);
    }
  });
});
