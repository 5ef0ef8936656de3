import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTally } from '../src/index.js';
import { cleanup, serveTally, tempDir } from './support/harness.js';
import { eventRow } from './support/rows.js';
import { closeStore, openStore } from './support/store.js';

const ADDRESS = '198.51.100.234';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) DistinctiveAgent/9.8.7-zqxj Chrome/120.0';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Reads every byte under the data dir and looks for the strings, as UTF-8 and as UTF-16. */
function occurrences(dir: string, needles: string[]): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const n of needles)
      if (bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le')))
        found.push(`${n} in ${file}`);
  }
  return found;
}

describe('no raw identifiers at rest', () => {
  const dir = tempDir();
  afterAll(() => cleanup(dir));

  it('[R10] neither the client address nor the User-Agent occurs anywhere in TALLY_DATA_DIR', async () => {
    const tally = await startTally({
      dataDir: dir,
      port: 0,
      trustProxy: true,
      adminEmail: 'a@example.com',
      adminPassword: 'pw-long-enough',
    });
    const app = await tally.createApp({ name: 'privacy' });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${tally.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-forwarded-for': ADDRESS, 'user-agent': USER_AGENT },
        body: JSON.stringify({
          app: app.key,
          context: { locale: 'en-US', screen: '1920x1080' },
          events: [{ name: 'pageview', path: `/p${i}` }],
        }),
      });
      expect(res.status).toBe(204);
    }
    const [row] = await tally.services.events.all<{ visitors: bigint; browser: string; os: string }>(
      'SELECT count(DISTINCT visitor) AS visitors, any_value(browser) AS browser, any_value(os) AS os FROM events',
    );
    // Counted as one visitor with coarse fields only.
    expect(Number(row?.visitors)).toBe(1);
    expect(row?.browser).toBe('Chrome');
    expect(row?.os).toBe('Linux');
    // While running (write-ahead log) and after a clean shutdown (checkpointed file).
    expect(occurrences(dir, [ADDRESS, 'DistinctiveAgent', '9.8.7-zqxj'])).toEqual([]);
    await tally.close();
    expect(occurrences(dir, [ADDRESS, 'DistinctiveAgent', '9.8.7-zqxj'])).toEqual([]);
  });
});

describe('deleting an app erases all its events, those still on their way too', () => {
  it('over HTTP, while 8 clients keep sending: none of the app’s events is left (about 100 were)', async () => {
    const { tally, stop } = await serveTally();
    try {
      const auth = { authorization: `Bearer ${await tally.adminToken()}` };
      const { id, key } = await tally.createApp({ name: 'doomed' });
      const kept = await tally.createApp({ name: 'kept' });
      let going = true;
      const send = (app: string, path: string) =>
        fetch(`${tally.url}/api/v1/events`, {
          method: 'POST',
          body: JSON.stringify({ app, events: [{ name: 'pageview', path }] }),
        }).then((r) => r.arrayBuffer());
      const clients = Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; going; i++) await send(key, `/${c}/${i}`);
      });
      await send(kept.key, '/kept');
      await new Promise((r) => setTimeout(r, 300));
      expect((await fetch(`${tally.url}/api/apps/${id}`, { method: 'DELETE', headers: auth })).status).toBe(
        200,
      );
      await new Promise((r) => setTimeout(r, 300));
      going = false;
      await Promise.all(clients);
      const count = async (appId: number) =>
        (
          await tally.services.events.all<{ n: number }>(
            'SELECT count(*)::INTEGER AS n FROM events WHERE app_id = $1',
            [appId],
          )
        )[0]?.n;
      expect(await count(id)).toBe(0);
      expect(await count(kept.id)).toBe(1);
    } finally {
      await stop();
    }
  });

  it('in the store: rows of an erased app that reach the journal afterwards are never loaded, across a restart too', async () => {
    const dir = tempDir();
    try {
      const s = await openStore(dir);
      await s.store.append([eventRow({ appId: 1, ts: 1 }), eventRow({ appId: 2, ts: 2 })]);
      expect(await s.store.deleteApp(1)).toBe(1);
      await s.store.append([eventRow({ appId: 1, ts: 3 }), eventRow({ appId: 2, ts: 4 })]); // late ones
      const apps = async (store: typeof s.store) =>
        (await store.all<{ app_id: number }>('SELECT app_id FROM events ORDER BY ts')).map((r) => r.app_id);
      expect(await apps(s.store)).toEqual([2, 2]);
      await closeStore(s);
      const again = await openStore(dir);
      expect(await apps(again.store)).toEqual([2, 2]);
      await closeStore(again);
    } finally {
      cleanup(dir);
    }
  });
});
