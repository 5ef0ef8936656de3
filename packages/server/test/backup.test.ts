import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/wait.js';
import { startTally } from '../src/tally.js';
import { cleanup, serveTally, tempDir } from './support/harness.js';
import { CLI, createApp, killHard, login, overviewOfDay, spawnServer } from './support/spawn.js';

const ADDRESS = '198.51.100.77';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) BackupTestBrowser/9.8.7';

const restoreCli = (file: string, dataDir: string) =>
  new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      process.execPath,
      [CLI, 'restore', file],
      { env: { ...process.env, TALLY_DATA_DIR: dataDir } },
      (err, so, se) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${so}${se}` }),
    ),
  );

/** Events of an app in a DuckDB file, read without changing it. */
async function eventsIn(file: string, appId: number): Promise<number> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll(`SELECT count(*) FROM events WHERE app_id = ${appId}`)).getRows();
    conn.closeSync();
    return Number(rows[0]?.[0]);
  } finally {
    db.closeSync();
  }
}

describe('backup and restore', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach(cleanup));

  it('an owner downloads a backup; restored into an empty folder, the server answers with the same numbers, keys and logins', async () => {
    const { tally, stop } = await serveTally();
    const file = join(dir(), 'backup.duckdb');
    const from = Date.now() - 3_600_000;
    const to = Date.now() + 60_000;
    let before: { overview: unknown; pages: unknown };
    let app: { id: number; key: string };
    try {
      app = await tally.createApp({ name: 'kept' });
      const send = (events: unknown[], session: string) =>
        fetch(`${tally.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': UA, 'x-forwarded-for': ADDRESS },
          body: JSON.stringify({ app: app.key, context: { session }, events }),
        });
      const t = Date.now() - 600_000;
      for (let v = 0; v < 5; v++) {
        const r = await send(
          [
            { name: 'pageview', path: '/a', ts: t + v * 1000 },
            { name: 'pageview', path: v % 2 ? '/b' : '/a/x', ts: t + v * 1000 + 30_000 },
          ],
          `s${v}`,
        );
        expect(r.status).toBe(204);
      }
      const owner = { authorization: `Bearer ${await tally.adminToken()}` };
      const read = async (what: string) =>
        (
          await fetch(`${tally.url}/api/apps/${app.id}/${what}?from=${from}&to=${to}`, { headers: owner })
        ).json();
      before = { overview: await read('overview'), pages: await read('pages') };

      expect((await fetch(`${tally.url}/api/backup`)).status).toBe(401);
      const viewer = await fetch(`${tally.url}/api/users`, {
        method: 'POST',
        headers: { ...owner, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'v@example.com', password: 'viewer-password', role: 'viewer' }),
      });
      expect(viewer.status).toBe(200);
      const viewerLogin = (await (
        await fetch(`${tally.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'v@example.com', password: 'viewer-password' }),
        })
      ).json()) as { token: string };
      const asViewer = await fetch(`${tally.url}/api/backup`, {
        headers: { authorization: `Bearer ${viewerLogin.token}` },
      });
      expect(asViewer.status).toBe(403);

      const res = await fetch(`${tally.url}/api/backup`, { headers: owner });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="tally-backup-\d{4}-\d\d-\d\d\.duckdb"$/,
      );
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      // Removed once sent (just after the client has the last byte)
      const made = join(tally.services.config.dataDir, 'backup-in-progress');
      expect(await eventually(() => !existsSync(made), 5_000)).toBe(true);

      // No raw identifier and no visitor salt is in it: a salt is destroyed within 48 hours, and a
      // backup may be kept for years.
      const bytes = readFileSync(file);
      const salts = Object.values(
        JSON.parse(readFileSync(join(tally.services.config.dataDir, 'salts.json'), 'utf8')) as Record<
          string,
          string
        >,
      );
      expect(salts.length).toBeGreaterThan(0);
      // Nor a live secret: API tokens, sessions and share links are kept as hashes
      const token = owner.authorization.slice('Bearer '.length);
      for (const secret of [ADDRESS, UA, ...salts, token, viewerLogin.token])
        expect(bytes.includes(secret)).toBe(false);
    } finally {
      await stop();
    }

    const restored = dir();
    const r = await restoreCli(file, restored);
    expect(r.out).toContain('1 apps, 10 events');
    expect(r.code).toBe(0);
    const again = await startTally({ dataDir: restored, port: 0 });
    try {
      const login = await fetch(`${again.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a@example.com', password: 'pw-long-enough' }),
      });
      expect(login.status).toBe(200);
      const owner = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
      const read = async (what: string) =>
        (
          await fetch(`${again.url}/api/apps/${app.id}/${what}?from=${from}&to=${to}`, { headers: owner })
        ).json();
      expect({ overview: await read('overview'), pages: await read('pages') }).toEqual(before);
      // The app's key still sends, and a new app takes the next id (sequences come along).
      const sent = await fetch(`${again.url}/api/v1/events`, {
        method: 'POST',
        body: JSON.stringify({ app: app.key, events: [{ name: 'pageview', path: '/after' }] }),
      });
      expect(sent.status).toBe(204);
      expect((await again.createApp({ name: 'next' })).id).toBe(app.id + 1);
    } finally {
      await again.close();
    }
  });

  it('holds every event acknowledged before it was asked for, while batches keep coming', async () => {
    const { tally, stop } = await serveTally();
    const file = join(dir(), 'busy.duckdb');
    try {
      const app = await tally.createApp({ name: 'busy' });
      let acknowledged = 0;
      let sending = true;
      const client = async (c: number) => {
        for (let i = 0; sending; i++) {
          const r = await fetch(`${tally.url}/api/v1/events`, {
            method: 'POST',
            body: JSON.stringify({
              app: app.key,
              context: { session: `c${c}` },
              events: [{ name: 'pageview', path: `/p${i % 7}` }],
            }),
          });
          if (r.status === 204) acknowledged++;
        }
      };
      const clients = Array.from({ length: 6 }, (_, c) => client(c));
      await new Promise((r) => setTimeout(r, 500));
      const before = acknowledged;
      const res = await fetch(`${tally.url}/api/backup`, {
        headers: { authorization: `Bearer ${await tally.adminToken()}` },
      });
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      sending = false;
      await Promise.all(clients);
      expect(before).toBeGreaterThan(50);
      const inBackup = await eventsIn(file, app.id);
      expect(inBackup).toBeGreaterThanOrEqual(before);
      expect(inBackup).toBeLessThanOrEqual(acknowledged);
    } finally {
      await stop();
    }
  });

  it('a download cut off midway holds up nothing: the next backup is made and sent, and no file is left', async () => {
    const { tally, stop } = await serveTally();
    try {
      const app = await tally.createApp({ name: 'big' });
      // Enough for a file of a few MB, which takes many reads to send
      for (let b = 0; b < 100; b++) {
        const events = Array.from({ length: 500 }, (_, i) => ({
          name: 'pageview',
          path: `/p/${b}/${i}/${b * i}`,
        }));
        const r = await fetch(`${tally.url}/api/v1/events`, {
          method: 'POST',
          body: JSON.stringify({ app: app.key, events }),
        });
        expect(r.status).toBe(204);
      }
      const token = await tally.adminToken();
      await new Promise<void>((resolve, reject) => {
        const req = get(
          `${tally.url}/api/backup`,
          { headers: { authorization: `Bearer ${token}` } },
          (res) => {
            res.once('data', () => {
              req.destroy(); // gone after the first bytes
              resolve();
            });
          },
        );
        req.on('error', reject);
      });
      const made = join(tally.services.config.dataDir, 'backup-in-progress');
      expect(await eventually(() => !existsSync(made), 5_000)).toBe(true);
      const next = await fetch(`${tally.url}/api/backup`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(15_000),
      });
      const bytes = Buffer.from(await next.arrayBuffer());
      expect(bytes.length).toBe(Number(next.headers.get('content-length')));
      expect(bytes.length).toBeGreaterThan(1_000_000);
    } finally {
      await stop();
    }
  });

  it('what a backup cut short by a crash left is removed when the server starts', async () => {
    const d = dir();
    mkdirSync(join(d, 'backup-in-progress'));
    writeFileSync(join(d, 'backup-in-progress', 'tally.duckdb'), Buffer.alloc(1 << 20));
    const t = await startTally({ dataDir: d, port: 0 });
    try {
      expect(existsSync(join(d, 'backup-in-progress'))).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('restored into its old folder, database moved away: the events still waiting in the journal, which the backup lacks, load on top', async () => {
    const old = dir();
    const file = join(dir(), 'old.duckdb');
    let server = await spawnServer(old);
    let token = await login(server.url);
    const app = await createApp(server.url, token, 'journal');
    const send = (n: number) =>
      fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        body: JSON.stringify({
          app: app.key,
          events: Array.from({ length: n }, (_, i) => ({ name: 'pageview', path: `/j${i}` })),
        }),
      });
    try {
      expect((await send(4)).status).toBe(204);
      const res = await fetch(`${server.url}/api/backup`, { headers: { authorization: `Bearer ${token}` } });
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      // Acknowledged, then the server dies before its next load (a second later): only the journal has them
      expect((await send(3)).status).toBe(204);
    } finally {
      await killHard(server.child);
    }
    for (const f of ['tally.duckdb', 'tally.duckdb.wal'])
      if (existsSync(join(old, f))) renameSync(join(old, f), join(old, `${f}.moved`));
    const r = await restoreCli(file, old);
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 apps, 4 events');
    expect(r.out).toMatch(/\d+ journal segment\(s\) in .* hold events the backup lacks/);
    server = await spawnServer(old);
    try {
      token = await login(server.url);
      const o = (await (await overviewOfDay(server.url, token, app.id)).json()) as { events: number };
      expect(o.events).toBe(7);
    } finally {
      await killHard(server.child);
    }
  });

  it('restore refuses a folder that has a database, and a file that is not a backup, changing nothing', async () => {
    const target = dir();
    const notDuckDb = join(target, 'random.bin');
    writeFileSync(notDuckDb, Buffer.alloc(4096, 7));
    let r = await restoreCli(notDuckDb, target);
    expect(r.code).toBe(1);
    expect(r.out).toContain('is not a Tally backup');
    expect(existsSync(join(target, 'tally.duckdb'))).toBe(false);

    const otherDb = join(target, 'other.duckdb');
    const db = await DuckDBInstance.create(otherDb);
    (await db.connect()).closeSync();
    db.closeSync();
    r = await restoreCli(otherDb, target);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/is not a Tally backup \(.*apps/);
    expect(existsSync(join(target, 'tally.duckdb'))).toBe(false);

    // A write-ahead log left behind would be replayed onto the restored database
    writeFileSync(join(target, 'tally.duckdb.wal'), 'a log left behind');
    r = await restoreCli(otherDb, target);
    expect(r.code).toBe(1);
    expect(r.out).toContain('tally.duckdb.wal exists');
    expect(existsSync(join(target, 'tally.duckdb'))).toBe(false);

    writeFileSync(join(target, 'tally.duckdb'), 'the database in place');
    r = await restoreCli(otherDb, target);
    expect(r.code).toBe(1);
    expect(r.out).toContain('exists: restore into an empty TALLY_DATA_DIR');
    expect(readFileSync(join(target, 'tally.duckdb'), 'utf8')).toBe('the database in place');
  });
});
