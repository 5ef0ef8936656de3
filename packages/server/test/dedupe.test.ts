import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, openPipeline, tempDir } from './support/harness.js';

/**
 * A batch sent again (its answer was lost: a timeout, a dropped connection) carries the id it had
 * the first time; it gets the first answer and its events are stored once.
 */
describe('a batch sent again with its id', () => {
  const dir = tempDir();
  let p: Awaited<ReturnType<typeof openPipeline>>;
  let app: { id: number; key: string };
  let other: { id: number; key: string };
  beforeAll(async () => {
    p = await openPipeline(dir, Date.now);
    app = await p.createApp('dedupe', {
      events: {
        signup: { description: 'A signup', props: { plan: { type: 'string', description: 'Plan' } } },
      },
    });
    other = await p.createApp('other');
  });
  afterAll(async () => {
    await p.close();
    cleanup(dir);
  });

  const send = (key: string, id: string | undefined, events: unknown[]) =>
    p.ingest.ingest({
      body: { app: key, ...(id === undefined ? {} : { id }), context: { session: 's' }, events },
      keyFromQuery: null,
      address: '203.0.113.9',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36',
    });
  const stored = async (appId: number, path: string) => {
    const [row] = await p.events.all<{ n: bigint }>(
      'SELECT count(*) AS n FROM events WHERE app_id = $1 AND path = $2',
      [appId, path],
    );
    return Number(row?.n);
  };
  const pageviews = (path: string, n: number) =>
    Array.from({ length: n }, () => ({ name: 'pageview', path }));

  it('gets the first answer and is stored once; the same id of another app, or another id, is a batch of its own', async () => {
    const first = await send(app.key, 'batch-1', pageviews('/once', 3));
    expect(await send(app.key, 'batch-1', pageviews('/once', 3))).toEqual(first);
    expect(await stored(app.id, '/once')).toBe(3);

    await send(other.key, 'batch-1', pageviews('/once', 3));
    expect(await stored(other.id, '/once')).toBe(3);
    await send(app.key, 'batch-2', pageviews('/once', 3));
    expect(await stored(app.id, '/once')).toBe(6);
  });

  it('sent again while the first is still being written: both get the answer once it is durable, stored once', async () => {
    const [a, b, c] = await Promise.all([
      send(app.key, 'racing', pageviews('/race', 2)),
      send(app.key, 'racing', pageviews('/race', 2)),
      send(app.key, 'racing', pageviews('/race', 2)),
    ]);
    expect(a).toEqual({ appId: app.id, accepted: 2, rejected: [] });
    expect([b, c]).toEqual([a, a]);
    expect(await stored(app.id, '/race')).toBe(2);
  });

  it('a batch with a rejected event gets the same list again, and its rejection is counted once', async () => {
    const batch = [
      { name: 'pageview', path: '/mixed' },
      { name: 'signup', props: { plan: 42 } },
    ];
    const first = await send(app.key, 'mixed', batch);
    expect(first.rejected).toHaveLength(1);
    expect(await send(app.key, 'mixed', batch)).toEqual(first);
    await p.ingest.flushRejections();
    const counts = await p.meta.rejections(app.id);
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(1);
    expect(await stored(app.id, '/mixed')).toBe(1);
  });

  it('a first try that was refused whole is not remembered: the corrected batch with that id is taken', async () => {
    await expect(
      send(app.key, 'fixed-later', [{ name: 'pageview', path: '/x' }, 'not an event']),
    ).resolves.toMatchObject({ accepted: 1 });
    // A whole-batch refusal (a context the contract does not allow) is an error, not an answer to keep
    const refused = p.ingest.ingest({
      body: { app: app.key, id: 'refused-first', context: { ip: '1.2.3.4' }, events: pageviews('/later', 1) },
      keyFromQuery: null,
      address: '203.0.113.9',
      userAgent: 'x',
    });
    await expect(refused).rejects.toMatchObject({ status: 400 });
    await send(app.key, 'refused-first', pageviews('/later', 1));
    expect(await stored(app.id, '/later')).toBe(1);
  });

  it('a batch without an id is stored each time it comes, as before', async () => {
    await send(app.key, undefined, pageviews('/no-id', 1));
    await send(app.key, undefined, pageviews('/no-id', 1));
    expect(await stored(app.id, '/no-id')).toBe(2);
  });
});
