import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tally } from '../../../packages/server/src/index.js';
import { startTestTally } from '../../../test-support/tally.js';
import { contract } from '../src/contract.js';
import { acme, eventually, filesUnder, remove, sleep, temp } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('acme start against a real Tally collector', () => {
  const dataDir = temp('acme-tally-');
  const home = temp('acme-home-');
  const project = temp('acme-project-');
  let tally: Tally;
  let appId = 0;
  let key = '';
  let token = '';
  let first: Awaited<ReturnType<typeof acme>>;

  const stored = () => tally.services.events.all<Record<string, unknown>>('SELECT * FROM events ORDER BY ts');
  const api = async (path: string) => {
    const res = await fetch(
      `${tally.url}/api/apps/${appId}${path}${path.includes('?') ? '&' : '?'}from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    return res.json();
  };

  beforeAll(async () => {
    tally = await startTestTally(dataDir);
    ({ id: appId, key } = await tally.createApp({ name: 'Acme', contract }));
    token = await tally.adminToken();
    first = await acme(['start'], {
      home,
      project,
      endpoint: tally.url,
      key,
      until: () => eventually(async () => (await stored()).length > 0),
    });
  });
  afterAll(async () => {
    await tally.close();
    remove(dataDir, home, project);
  });

  it('[M5] sends exactly one start event, and only on `acme start`', async () => {
    expect(first.code).toBe(0);
    expect((await stored()).map((r) => r.name)).toEqual(['start']);
    for (const args of [['seed'], ['--version'], ['help'], ['telemetry', 'status']]) {
      const r = await acme(args, { home, project, endpoint: tally.url, key });
      expect(r.code).toBe(0);
      expect(r.trace.filter((t) => t.startsWith('connect'))).toEqual([]);
    }
    expect(await stored()).toHaveLength(1);
  });

  it('[M1] [M2] a project id and a machine id, both UUIDs', async () => {
    const [row] = await stored();
    expect(row?.project).toMatch(UUID);
    expect(row?.machine).toMatch(UUID);
    const status = await acme(['telemetry', 'status'], { home, project, endpoint: tally.url, key });
    expect(status.stdout).toContain(`Machine id: ${row?.machine}`);
  });

  it('[M3] [M4] OS platform, Node version, and the versions of the backend and the CLI', async () => {
    const [row] = await stored();
    expect(row).toMatchObject({
      os: process.platform,
      runtime: 'node',
      runtime_version: process.versions.node,
      app_version: '2.1.0',
    });
    expect(JSON.parse(String(row?.props))).toEqual({ backendVersion: '2.1.0', cliVersion: '2.1.0' });
  });

  it('[Q1] [Q2] [Q5] the event shows in the overview and the os, runtimeVersion and appVersion breakdowns', async () => {
    expect(await api('/overview')).toMatchObject({ visitors: 1, events: 1 });
    expect(await api('/breakdown/os')).toEqual([
      { value: process.platform, visitors: 1, visits: 1, events: 1 },
    ]);
    expect(await api('/breakdown/runtimeVersion')).toEqual([
      { value: process.versions.node, visitors: 1, visits: 1, events: 1 },
    ]);
    expect(await api('/breakdown/appVersion')).toEqual([
      { value: '2.1.0', visitors: 1, visits: 1, events: 1 },
    ]);
  });

  it('prints the first-run notice once, to stderr, and keeps the last payloads for `telemetry status`', async () => {
    expect(first.stderr).toContain('acme telemetry --disable');
    const again = await acme(['start'], {
      home,
      project,
      endpoint: tally.url,
      key,
      until: () => eventually(async () => (await stored()).length > 1),
    });
    expect(again.stderr).toBe('');
    const status = await acme(['telemetry', 'status'], { home, project, endpoint: tally.url, key });
    expect(status.stdout).toContain('Payloads sent from this machine (last 2)');
    expect(status.stdout).toContain('"backendVersion":"2.1.0"');
    // Every file telemetry keeps is named and explained.
    const kept = status.stdout.slice(status.stdout.indexOf('Kept in '));
    expect(kept.split('\n')[0]).toBe(`Kept in ${join(home, '.config', 'acme')}:`);
    expect(kept).toContain('  sent.json: the last payloads sent (above)');
    expect(kept).toContain(
      '  telemetry.json: this setting, the machine id, and the salt of project ids (never sent)',
    );
    expect(kept).not.toContain('not written by telemetry');
  });

  it('`telemetry reset` forgets the machine id; nothing is created until telemetry sends again', async () => {
    const file = join(home, '.config', 'acme', 'telemetry.json');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(
      expect.arrayContaining(['machineId', 'salt', 'projects']),
    );
    const r = await acme(['telemetry', 'reset'], { home, project, endpoint: tally.url, key });
    expect(r.code).toBe(0);
    // No identifier is left: the machine id, the salt, nor the project ids made with it.
    const left = JSON.parse(readFileSync(file, 'utf8'));
    for (const k of ['machineId', 'salt', 'projects']) expect(left).not.toHaveProperty(k);
    const status = await acme(['telemetry', 'status'], { home, project, endpoint: tally.url, key });
    expect(status.stdout).toContain('Machine id: (none created)');
    expect(filesUnder(home).some((f) => f.endsWith('sent.json'))).toBe(false);
  });

  it('an answer lost on its way: the batch sent again is stored once', async () => {
    const lost = await tally.createApp({ name: 'Acme, answers lost', contract });
    // A hop that loses the collector's first answer (after the collector has stored the batch), as
    // a dropped connection or a timeout does, and passes everything after it.
    let connections = 0;
    const hop = createServer((client) => {
      const n = ++connections;
      const upstream = connect(Number(new URL(tally.url).port), '127.0.0.1');
      client.pipe(upstream);
      upstream.on('data', (chunk) => (n === 1 ? client.destroy() : client.write(chunk)));
      for (const s of [client, upstream]) s.on('error', () => {});
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((r) => hop.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(hop.address() as AddressInfo).port}`;
    const rows = async () =>
      (
        await tally.services.events.all<{ n: bigint }>(
          `SELECT count(*) AS n FROM events WHERE app_id = ${lost.id}`,
        )
      )[0]?.n;
    const h = temp('acme-home-');
    const pr = temp('acme-project-');
    try {
      await acme(['start'], {
        home: h,
        project: pr,
        endpoint,
        key: lost.key,
        until: () => eventually(() => connections >= 2, 20_000),
      });
      expect(await eventually(async () => Number(await rows()) >= 1)).toBe(true);
      await sleep(1000); // nothing more comes
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(Number(await rows())).toBe(1);
    } finally {
      hop.close();
      remove(h, pr);
    }
  });
});
