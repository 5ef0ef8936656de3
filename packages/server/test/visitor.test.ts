import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { overview } from '../src/queries/overview.js';
import { cleanup, clock, openPipeline, tempDir } from './support/harness.js';

// Counts the HMACs computed (the real function runs): each one is work on the request path.
const hmacs = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (original) => {
  const real = await original<typeof import('node:crypto')>();
  return {
    ...real,
    createHmac: (...args: Parameters<typeof real.createHmac>) => {
      hmacs.count++;
      return real.createHmac(...args);
    },
  };
});

const M = Date.UTC(2026, 10, 21); // 00:00 UTC
const MIN = 60_000;

/**
 * A visit that began before 00:00 UTC goes on under the day before's salt, so the visitor hash of
 * that salt is tried too, but only while such a visit can still be in memory: the rest of the day
 * a request costs one keyed hash, not two. A hash made lately for the same client and salt is
 * remembered, not made again.
 */
describe('visitor hashes around midnight', () => {
  const dir = tempDir();
  const c = clock(M - 10 * MIN);
  let p: Awaited<ReturnType<typeof openPipeline>>;
  let key = '';
  let appId = 0;
  const send = async (ts: number, address: string, path: string) => {
    c.set(ts);
    hmacs.count = 0;
    const r = await p.send(key, [{ name: 'pageview', ts, path }], {
      address,
      ua: 'Mozilla/5.0 Firefox/130.0',
    });
    expect(r.accepted).toBe(1);
    return hmacs.count;
  };

  beforeAll(async () => {
    p = await openPipeline(dir, c.now);
    ({ id: appId, key } = await p.createApp('midnight'));
  });
  afterAll(async () => {
    await p.close();
    cleanup(dir);
  });

  it('continues a visit across midnight under the day before’s hash', async () => {
    expect(await send(M - 10 * MIN, '198.51.100.1', '/')).toBe(1); // day D-1: its salt is "today"
    // Found under yesterday's salt, with the hash made 20 minutes ago under that salt: no new HMAC.
    expect(await send(M + 10 * MIN, '198.51.100.1', '/pricing')).toBe(0);
    const o = await overview(
      p.events,
      { appId, from: M - 60 * MIN, to: M + 60 * MIN, filters: [], tz: 'UTC' },
      null,
    );
    expect([o.visitors, o.visits, o.views]).toEqual([1, 1, 2]);
  });

  it('tries yesterday’s hash while a visit from before midnight is in memory', async () => {
    expect(await send(M + 20 * MIN, '198.51.100.2', '/')).toBe(2); // yesterday's (no match), today's
  });

  it('once those visits have left memory, computes one hash a request', async () => {
    c.set(M + 3 * 60 * MIN);
    p.sessions.prune();
    expect(await send(M + 3 * 60 * MIN, '198.51.100.3', '/')).toBe(1);
    expect(await send(M + 3 * 60 * MIN + MIN, '198.51.100.3', '/docs')).toBe(0); // remembered
    expect(await send(M + 3 * 60 * MIN + MIN, '198.51.100.5', '/docs')).toBe(1); // a new client
  });

  it('after a restart, visits read back from the store count as possibly yesterday’s', async () => {
    await p.close();
    c.set(M + 3 * 60 * MIN + 2 * MIN);
    p = await openPipeline(dir, c.now);
    expect(await send(M + 3 * 60 * MIN + 3 * MIN, '198.51.100.4', '/')).toBe(2);
  });
});
