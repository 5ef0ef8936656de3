import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pages } from '../src/queries/pages.js';
import { openDb } from '../src/store/duckdb/db.js';
import { DuckDBEventStore } from '../src/store/duckdb/events.js';
import type { EventRow } from '../src/store/types.js';
import { cleanup, tempDir } from './support/harness.js';
import { eventRow } from './support/rows.js';

const MIN = 60_000;
const T0 = 1_795_000_000_000;

/** 6,000 visitors, one visit each: 1–4 pageviews 2 minutes apart over 5 paths, deterministic. */
function rows(): EventRow[] {
  const out: EventRow[] = [];
  for (let i = 0; i < 6000; i++) {
    // as ingest makes them: the first 8 bytes of a SHA-256 (so the low bits are uniform)
    const visitor = createHash('sha256').update(`visitor ${i}`).digest().readBigInt64BE(0);
    const n = 1 + (i % 4);
    for (let k = 0; k < n; k++)
      out.push(
        eventRow({ ts: T0 + i * 1000 + k * 2 * MIN, path: `/p${(i + k * 3) % 5}`, visitor, visit: visitor }),
      );
  }
  return out;
}

describe('the pages table of a very large range is estimated from a sample of visitors', () => {
  const dir = tempDir();
  let db: Awaited<ReturnType<typeof openDb>>;
  let store: DuckDBEventStore;
  const scope = { appId: 1, from: T0, to: T0 + 86_400_000, filters: [], tz: 'UTC' };
  beforeAll(async () => {
    db = await openDb(dir);
    store = await DuckDBEventStore.open(db, dir);
    await store.append(rows()); // 15,000 page views
  });
  afterAll(async () => {
    await store.close();
    db.writer.closeSync();
    db.instance.closeSync();
    cleanup(dir);
  });

  it('is exact, and says nothing of samples, up to the threshold (and with 0: always)', async () => {
    const exact = await pages(store, scope, null);
    expect(exact.reduce((s, r) => s + r.views, 0)).toBe(15_000);
    expect(exact.every((r) => r.sample === undefined)).toBe(true);
    expect(await pages(store, scope, null, 100, 15_000)).toEqual(exact);
  });

  it('above it: 1 in a power of two visitors, counts scaled up, within a few percent of exact', async () => {
    const exact = await pages(store, scope, null);
    const estimate = await pages(store, scope, null, 100, 4_000); // 15,000 / 4 = 3,750 ≤ 4,000
    expect(estimate.map((r) => r.sample)).toEqual(exact.map(() => 0.25));
    for (const e of estimate) {
      const x = exact.find((r) => r.path === e.path);
      if (!x) throw new Error(`no exact row for ${e.path}`);
      for (const k of ['visitors', 'visits', 'views'] as const) {
        expect(e[k] % 4).toBe(0);
        expect(Math.abs(e[k] - x[k]) / x[k]).toBeLessThan(0.1);
      }
      expect(Math.abs((e.visitDuration ?? 0) - (x.visitDuration ?? 0))).toBeLessThan(15);
    }
  });
});
