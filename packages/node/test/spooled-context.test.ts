import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorDouble } from '../../../test-support/collector-double.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/track-and-exit.mjs', import.meta.url));

/** Runs the fixture CLI with a HOME of its own, telemetry on (nothing in the environment says off). */
function runTool(
  mode: 'exit' | 'send',
  o: { home: string; cwd: string; endpoint: string; contract: object },
) {
  return spawnSync(process.execPath, [FIXTURE, mode, JSON.stringify(o.contract)], {
    cwd: o.cwd,
    env: {
      ...process.env,
      HOME: o.home,
      XDG_CONFIG_HOME: '',
      DO_NOT_TRACK: '',
      CI: '',
      TOOL_ENDPOINT: o.endpoint,
    },
    encoding: 'utf8',
    timeout: 15_000,
  });
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
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Runs the CLI and waits for its batch (told apart by the message) to reach the collector. */
  async function deliveredFrom(mode: 'exit' | 'send', home: string, project: string, contract: object) {
    const r = runTool(mode, { home, cwd: project, endpoint: collector.url, contract });
    expect(r.status).toBe(0);
    const find = () =>
      (collector.bodies as Batch[]).find(
        (b) => b.app === 'tk_tool' && b.events.some((e) => e.props?.message === `from ${mode}`),
      );
    const until = Date.now() + 15_000;
    while (!find() && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
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
    expect(Object.keys(spooled as Batch).sort()).toEqual(['app', 'context', 'events']); // nothing local
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
    const collector = await collectorDouble('blackhole');
    const home = mkdtempSync(join(tmpdir(), 'ctx-home-'));
    try {
      const started = Date.now();
      const r = runTool('send', { home, cwd: home, endpoint: collector.url, contract: { app: 'Tool' } });
      expect(r.status).toBe(0); // not 13 (a top-level await left unsettled)
      expect(r.stderr).not.toContain('unsettled');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await collector.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
