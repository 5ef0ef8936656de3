import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overview } from '../src/queries/overview.js';
import { pages } from '../src/queries/pages.js';
import type { QueryScope } from '../src/store/types.js';
import { cleanup, clock, openPipeline, tempDir } from './support/harness.js';

/**
 * Hand-computed fixtures for METRICS.md. Seven people (one address each), events sent at their own
 * time on a clock that crosses 00:00 UTC, with a server restart in the middle:
 *   A  one pageview of /                                   → 1 visit, a bounce, 0 s
 *   B  / (60 s on page) then /pricing (120 s)              → 1 visit, 2 views, 181 s
 *   C  /docs, then /docs again 31 minutes later            → 2 visits (gap > 30 min), both bounces
 *   D  / in session s1, /pricing in session s2, 60 s apart → 2 visits (session changed), both bounces
 *   E  one batch, out of order: /b at +120 s, /a at +0 s   → 1 visit entering at /a, 120 s
 *   F  / at 23:50, /pricing at 00:10 the next day          → 1 visit, 1 visitor, 1200 s
 *   G  / then a server restart then /pricing 5 min later    → 1 visit, 300 s
 */
const M = Date.UTC(2026, 10, 21); // 00:00 UTC
const MIN = 60_000;
const T0 = M - 20 * MIN;

describe('METRICS.md figures on hand-computed fixtures', () => {
  const dir = tempDir();
  const c = clock(M - 2 * 60 * MIN);
  let p: Awaited<ReturnType<typeof openPipeline>>;
  let appId = 0;
  let key = '';
  const as = (who: string) => ({
    address: `198.51.100.${who.charCodeAt(0)}`,
    ua: 'Mozilla/5.0 (Windows NT 10.0) Firefox/130.0',
  });

  beforeAll(async () => {
    p = await openPipeline(dir, c.now);
    ({ id: appId, key } = await p.createApp('fixtures'));
    const at = async (ts: number, who: string, events: unknown[], context?: unknown) => {
      c.set(ts);
      const r = await p.send(key, events, { ...as(who), context });
      expect(r.rejected).toEqual([]);
    };
    await at(M - 90 * MIN, 'C', [{ name: 'pageview', ts: M - 90 * MIN, path: '/docs' }]);
    await at(M - 59 * MIN, 'C', [{ name: 'pageview', ts: M - 59 * MIN, path: '/docs?utm=x#top' }]);
    await at(T0, 'A', [{ name: 'pageview', ts: T0, path: '/' }]);
    await at(T0, 'D', [{ name: 'pageview', ts: T0, path: '/' }], { session: 's1' });
    await at(T0, 'G', [{ name: 'pageview', ts: T0, path: '/' }]);
    await at(T0 + MIN, 'D', [{ name: 'pageview', ts: T0 + MIN, path: '/pricing' }], { session: 's2' });
    await at(T0 + 2 * MIN, 'E', [
      { name: 'pageview', ts: T0 + 2 * MIN, path: '/b' },
      { name: 'pageview', ts: T0, path: '/a' },
    ]);
    await at(T0 + 181_000, 'B', [
      { name: 'pageview', ts: T0, path: '/' },
      { name: 'pageleave', ts: T0 + 60_000, path: '/', duration: 60_000 },
      { name: 'pageview', ts: T0 + 61_000, path: '/pricing' },
      { name: 'pageleave', ts: T0 + 181_000, path: '/pricing', duration: 120_000 },
    ]);
    // Restart: everything in memory is gone; G's visit must continue from what the store kept.
    c.set(T0 + 4 * MIN);
    await p.close();
    p = await openPipeline(dir, c.now);
    await at(T0 + 5 * MIN, 'G', [{ name: 'pageview', ts: T0 + 5 * MIN, path: '/pricing' }]);
    await at(M - 10 * MIN, 'F', [{ name: 'pageview', ts: M - 10 * MIN, path: '/' }]);
    await at(M + 10 * MIN, 'F', [{ name: 'pageview', ts: M + 10 * MIN, path: '/pricing' }]);
  });
  afterAll(async () => {
    await p.close();
    cleanup(dir);
  });

  const scope = (from: number, to: number): QueryScope => ({ appId, from, to, filters: [], tz: 'UTC' });

  it('overview: visitors, visits, views, events, bounce rate, visit duration and the previous period', async () => {
    const o = await overview(p.events, scope(M - 2 * 60 * MIN, M + 60 * MIN), null);
    expect(o.visitors).toBe(7);
    expect(o.visits).toBe(9);
    expect(o.views).toBe(13);
    expect(o.events).toBe(15);
    expect(o.bounceRate).toBeCloseTo(5 / 9, 10);
    expect(o.visitDuration).toBeCloseTo((181 + 120 + 1200 + 300) / 9, 10);
    expect(o.previous).toEqual({
      visitors: 0,
      visits: 0,
      views: 0,
      events: 0,
      bounceRate: null,
      visitDuration: null,
    });
  });

  it('pages: the seed table columns per path, ordered by views then visitors', async () => {
    const rows = await pages(p.events, scope(M - 2 * 60 * MIN, M + 60 * MIN), null);
    expect(rows.map((r) => r.path)).toEqual(['/', '/pricing', '/docs', '/a', '/b']);
    const by = Object.fromEntries(rows.map((r) => [r.path, r]));
    expect(by['/']).toEqual({
      path: '/',
      visitors: 5,
      visits: 5,
      views: 5,
      bounceRate: 2 / 5,
      visitDuration: (181 + 1200 + 300) / 5,
      timeOnPage: 60,
    });
    expect(by['/pricing']).toMatchObject({
      visitors: 4,
      visits: 4,
      views: 4,
      bounceRate: 1,
      timeOnPage: 120,
    });
    expect(by['/pricing']?.visitDuration).toBeCloseTo((181 + 1200 + 300) / 4, 10);
    expect(by['/docs']).toEqual({
      path: '/docs',
      visitors: 1,
      visits: 2,
      views: 2,
      bounceRate: 1,
      visitDuration: 0,
      timeOnPage: null,
    });
    expect(by['/a']).toEqual({
      path: '/a',
      visitors: 1,
      visits: 1,
      views: 1,
      bounceRate: 0,
      visitDuration: 120,
      timeOnPage: null,
    });
    expect(by['/b']).toEqual({
      path: '/b',
      visitors: 1,
      visits: 1,
      views: 1,
      bounceRate: null,
      visitDuration: 120,
      timeOnPage: null,
    });
  });

  it('a visit is seen through its events in the range', async () => {
    // After midnight only F's second pageview remains: one visit, one view, so a bounce of 0 s.
    const o = await overview(p.events, scope(M, M + 60 * MIN), null);
    expect(o).toMatchObject({ visitors: 1, visits: 1, views: 1, events: 1, bounceRate: 1, visitDuration: 0 });
    // The previous period of [M, M+1h) is [M-1h, M): everyone but C's first view.
    expect(o.previous).toMatchObject({ visitors: 7, views: 11 });
  });

  it('the visitor salt of a day is destroyed after the next day', async () => {
    const { Salts } = await import('../src/ingest/salts.js');
    const salts = new Salts(dir);
    const day1 = salts.current(M);
    expect(day1.yesterday).not.toBeNull();
    const { readFileSync } = await import('node:fs');
    const saved = () => readFileSync(`${dir}/salts.json`, 'utf8');
    expect(saved()).toContain(day1.yesterday?.toString('hex'));
    // The next day keeps the day before it (visits across midnight) and destroys the one before that.
    const next = salts.current(M + 86_400_000);
    expect(next.yesterday?.equals(day1.today)).toBe(true);
    expect(saved()).not.toContain(day1.yesterday?.toString('hex'));
    expect(Object.keys(JSON.parse(saved()))).toHaveLength(2);
    salts.current(M + 3 * 86_400_000);
    expect(saved()).not.toContain(day1.today.toString('hex'));
  });
});
