import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enforceRetention } from '../src/retention.js';
import { cleanup, clock, openPipeline, serveTally, tempDir } from './support/harness.js';
import { CLI } from './support/spawn.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 23, 12);

describe('retention and erasure', () => {
  const dir = tempDir();
  const c = clock(NOW);
  let p: Awaited<ReturnType<typeof openPipeline>>;
  let appId = 0;
  const count = async (where = 'true') =>
    Number((await p.events.all<{ n: bigint }>(`SELECT count(*) AS n FROM events WHERE ${where}`))[0]?.n);

  beforeAll(async () => {
    p = await openPipeline(dir, c.now);
    const app = await p.createApp('retained', { identifiers: { machine: true } });
    appId = app.id;
    for (const [machine, age] of [
      ['m-old', 5],
      ['m-new', 1],
      ['m-erase', 1],
    ] as const) {
      const r = await p.send(app.key, [{ name: 'pageview', path: '/', ts: NOW - age * DAY }], {
        context: { machine },
      });
      expect(r.accepted).toBe(1);
    }
  });
  afterAll(async () => {
    await p.close();
    cleanup(dir);
  });

  it('deletes events older than the app’s retention period, and nothing else', async () => {
    expect(await enforceRetention(p.apps, p.events, NOW)).toBe(0); // no retention set: keep all
    await p.apps.update(appId, { retentionDays: 3 });
    expect(await enforceRetention(p.apps, p.events, NOW)).toBe(1);
    expect(await count()).toBe(2);
    expect(await count("machine = 'm-old'")).toBe(0);
  });

  it('erases every event of one machine id (a user’s erasure request)', async () => {
    expect(await p.events.deleteMachine(appId, 'm-erase')).toBe(1);
    expect(await count("machine = 'm-erase'")).toBe(0);
    expect(await count()).toBe(1);
  });
});

describe.skipIf(!existsSync(CLI))('tally docs', () => {
  it('renders a contract module as a Usage information page', () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'contract.mjs');
      writeFileSync(
        file,
        `export default { app: 'Acme', identifiers: { machine: true, project: true }, context: ['project', 'machine', 'os', 'runtimeVersion'],
          events: { start: { description: 'The backend started', when: 'when the backend is run with \`acme start\`' } },
          optOut: { env: 'ACME_DISABLE_TELEMETRY=true', command: 'acme telemetry --disable' } };`,
      );
      const md = execFileSync(process.execPath, [CLI, 'docs', file], { encoding: 'utf8' });
      expect(md).toContain('Sent when the backend is run with `acme start`.');
      expect(md).toContain('ACME_DISABLE_TELEMETRY=true');
      expect(md).toContain('Runtime version (e.g. the Node version)');
    } finally {
      cleanup(dir);
    }
  });
});

describe('the server root', () => {
  it('answers / with a page that says where things are, and unknown paths and ids with a JSON 404', async () => {
    const { tally, stop } = await serveTally();
    try {
      const root = await fetch(`${tally.url}/`);
      expect(root.status).toBe(200);
      const text = await root.text();
      // The dashboard's own index.html when it is built, else the landing page.
      expect(text).toMatch(/<html/i);
      const missing = await fetch(`${tally.url}/api/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'not found' });
      // An app id no INTEGER column holds is an id nothing has (it was a 500 from the database), and
      // so is anything but digits.
      const auth = { headers: { authorization: `Bearer ${await tally.adminToken()}` } };
      for (const path of [
        '/api/apps/99999999999999999999999',
        '/api/apps/99999999999999999999999/overview',
        '/api/apps/2147483648/pages',
      ])
        expect((await fetch(`${tally.url}${path}`, auth)).status, path).toBe(404);
      const { id } = await tally.createApp({ name: 'one' });
      expect((await fetch(`${tally.url}/api/apps/${id}`, auth)).status).toBe(200);
      // the same number spelled otherwise is no id (Number() read these as one)
      for (const path of [
        `/api/apps/0x${id.toString(16)}`,
        `/api/apps/${id}e0/overview`,
        `/api/apps/${id}.0`,
      ])
        expect((await fetch(`${tally.url}${path}`, auth)).status, path).toBe(404);
    } finally {
      await stop();
    }
  });
});
