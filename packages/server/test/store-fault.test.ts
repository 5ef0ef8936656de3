import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { skipWithout } from '../../../test-support/system.js';
import { sendError } from '../src/http/router.js';
import { storeFault } from '../src/ingest/store-fault.js';
import { StoreUnavailableError } from '../src/store/types.js';
import { cleanup, clock, tempDir } from './support/harness.js';
import {
  CLI,
  createApp,
  killHard,
  liftFileLimit,
  login,
  overviewOfDay,
  type Running,
  spawnServer,
  stopServer,
} from './support/spawn.js';

/**
 * A store that cannot write: the server runs with a largest file size (prlimit), so its journal
 * fills up as on a full disk, and writes fail for real (a short write, then EFBIG) on the real
 * filesystem. A batch that cannot be made durable gets a clear 503, none of it is kept, the batches
 * after it that fit are taken, and every acknowledged event is counted after a restart.
 */
describe.skipIf(!existsSync(CLI) || skipWithout('prlimit'))('a store that cannot write (full disk)', () => {
  const dir = tempDir();
  let server: Running | null = null;
  afterAll(async () => {
    if (server) await killHard(server.child);
    cleanup(dir);
  });

  const events = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => ({ name: 'pageview', path: `/${tag}/${i}` }));
  const health = (url: string) => fetch(`${url}/api/health`);
  const send = (url: string, key: string, batch: unknown[], id?: string) =>
    fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app: key, ...(id ? { id } : {}), events: batch }),
    });

  it('answers 503 with Retry-After, keeps nothing of the batch, takes the next one, loses nothing acknowledged', async () => {
    server = await spawnServer(dir);
    let token = await login(server.url);
    const app = await createApp(server.url, token, 'full disk');
    await stopServer(server.child); // checkpointed: the limited server starts without writing DuckDB's WAL

    // A journal segment may now grow to 4 KiB: one event's line (~200 bytes) fits, 60 do not.
    server = await spawnServer(dir, {}, { maxFileBytes: 4096 });
    expect((await send(server.url, app.key, events(1, 'first'))).status).toBe(204);

    expect((await health(server.url)).status).toBe(200);
    const full = await send(server.url, app.key, events(60, 'too-big'));
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('5');
    expect(full.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await full.json()) as { error: string }).error).toMatch(/could not be stored.*send it again/);
    // An uptime check sees it
    const failing = await health(server.url);
    expect(failing.status).toBe(503);
    const said = (await failing.json()) as { ok: boolean; error: string; writesFailingSince: string | null };
    expect(said.ok).toBe(false);
    expect(said.error).toMatch(/^batches cannot be made durable/);
    expect(Date.parse(said.writesFailingSince ?? '')).toBeLessThanOrEqual(Date.now());
    expect(said.error).not.toMatch(/journal|\.log|EFBIG|\//);

    // What of the failed write reached the file was cut off: the segment has room again.
    expect((await send(server.url, app.key, events(1, 'after'))).status).toBe(204);
    expect((await health(server.url)).status).toBe(200);
    await killHard(server.child);

    server = await spawnServer(dir);
    token = await login(server.url);
    const res = await fetch(
      `${server.url}/api/apps/${app.id}/pages?from=${Date.now() - 86_400_000}&to=${Date.now() + 3_600_000}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const pages = (await res.json()) as { path: string }[];
    expect(pages.map((p) => p.path).sort()).toEqual(['/after/0', '/first/0']);
  });

  it('while DuckDB cannot write, a query gets 503; once there is room all recovers without a restart, nothing acknowledged lost', async () => {
    const fresh = tempDir();
    try {
      server = await spawnServer(fresh);
      const token = await login(server.url);
      const app = await createApp(server.url, token, 'full disk 2');
      await stopServer(server.child);
      server = await spawnServer(fresh, {}, { maxFileBytes: 3000 });
      const url = server.url;
      const overview = () => overviewOfDay(url, token, app.id);
      const count = async (res: Promise<Response>) =>
        ((await (await res).json()) as { events: number }).events;
      let acknowledged = 0;
      let refused = 0;
      const sentIds: string[] = [];
      let unreadable: Response | null = null;
      // Rounds of single events, each round then read. The journal fills (503s) and each load adds to
      // DuckDB's WAL, until a load cannot write it: that read gets 503. Each batch has an id, as the
      // SDKs send them.
      for (let round = 0; round < 10 && !unreadable; round++) {
        for (let i = 0; i < 20; i++) {
          const id = `r${round}-${i}`;
          const res = await send(url, app.key, events(1, id), id);
          sentIds.push(id);
          expect([204, 503]).toContain(res.status);
          if (res.status === 204) acknowledged++;
          else refused++;
        }
        const res = await overview();
        expect([200, 503]).toContain(res.status);
        if (res.status === 503) unreadable = res;
        else await res.arrayBuffer();
      }
      expect(acknowledged).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
      if (!unreadable) throw new Error('no read got 503: every load could still write DuckDB’s WAL');
      expect(unreadable.headers.get('retry-after')).toBe('5');
      expect(((await unreadable.json()) as { error: string }).error).toMatch(
        /could not be loaded.*try again/,
      );
      const failing = await health(url);
      expect(failing.status).toBe(503);
      const said = (await failing.json()) as {
        error: string;
        loadsFailingSince: string | null;
      };
      expect(said.error).toContain('acknowledged events cannot be loaded into the store');
      expect(said.loadsFailingSince).not.toBeNull();

      // Space again (the soft limit lifted): the same process reads everything and takes batches.
      liftFileLimit(server.child);
      expect(await count(overview())).toBe(acknowledged);
      expect((await send(url, app.key, events(2, 'after'))).status).toBe(204);
      expect(await count(overview())).toBe(acknowledged + 2);
      expect(await (await health(url)).json()).toEqual({ ok: true });

      // A client that did not hear every answer sends every batch again, with its id: the refused
      // ones are taken now, the stored ones are not stored twice. Each event counts once.
      for (const id of sentIds) expect((await send(url, app.key, events(1, id), id)).status).toBe(204);
      expect(await count(overview())).toBe(acknowledged + refused + 2);
      acknowledged += refused;

      await killHard(server.child);
      server = await spawnServer(fresh);
      expect(await count(overviewOfDay(server.url, await login(server.url), app.id))).toBe(acknowledged + 2);
    } finally {
      cleanup(fresh);
    }
  });
});

describe('the log of failed writes', () => {
  it('says a run of failures once every 10 seconds, with how many batches failed, not once per batch', () => {
    const t = clock(0);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const fault = storeFault(t.now);
      const err = new Error('EFBIG');
      for (let i = 0; i < 5; i++) expect(fault(err).status).toBe(503);
      expect(log).toHaveBeenCalledTimes(1);
      t.advance(9_999);
      fault(err);
      expect(log).toHaveBeenCalledTimes(1);
      t.advance(1);
      fault(err);
      expect(log).toHaveBeenCalledTimes(2);
      expect(String(log.mock.calls[1]?.[0])).toContain('could not store 6 batch(es)');
    } finally {
      log.mockRestore();
    }
  });
});

describe('a read the store cannot serve', () => {
  it('is answered 503 with Retry-After and a message that names no file or database detail', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const cause = new Error(
      'Could not write file "/var/lib/tally/tally.duckdb.wal": No space left on device',
    );
    const server = createServer((_req, res) => sendError(res, new StoreUnavailableError(cause)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const { error } = (await res.json()) as { error: string };
      expect(error).toMatch(/could not be loaded.*try again later/);
      expect(error).not.toContain('tally.duckdb');
      expect(log.mock.calls.flat()).toContain(cause); // the operator's log has the cause
    } finally {
      server.close();
      log.mockRestore();
    }
  });
});
