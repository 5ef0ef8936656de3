import { describe, expect, it } from 'vitest';
import { Sessionizer } from '../src/ingest/sessionize.js';
import type { EventStore } from '../src/store/types.js';

/** A store with no visits: every visit here is in memory. */
const empty = { recentVisits: async () => [], visitsNear: async () => [] } as unknown as EventStore;

describe('visits in memory', () => {
  it('a visitor with very many sessions (a CLI run by a build farm under one machine id): each event still finds its own session’s visit', async () => {
    const now = Date.UTC(2026, 10, 24, 12);
    const visits = new Sessionizer(empty, () => now);
    const first = await visits.assign(1, 42n, 0n, [now - 60_000]);
    // Each visit used to be looked for among all of its visitor's, and a new one's age taken with
    // Math.min(...all of them): minutes of work here, then a RangeError past ~125,000.
    for (let session = 1n; session <= 130_000n; session++) {
      await visits.assign(1, 42n, session, [now]);
      if (session % 1000n === 0n) await new Promise(setImmediate); // lets the test's timeout strike
    }
    expect(await visits.assign(1, 42n, 0n, [now])).toEqual(first); // the first session goes on
    const [another] = await visits.assign(1, 42n, 200_000n, [now]);
    expect(another).not.toBe(first[0]);
    expect(await visits.assign(1, 42n, 200_000n, [now + 1000])).toEqual([another]);
  }, 20_000);

  it('holds a bounded number of sessions: a flood of new ones pushes out the first seen, and the latest go on', async () => {
    const now = Date.UTC(2026, 10, 24, 12);
    const visits = new Sessionizer(empty, () => now, 100);
    const ids: bigint[] = [];
    for (let session = 0n; session < 1000n; session++)
      ids.push(...(await visits.assign(1, 7n, session, [now])));
    expect(visits.size).toBeLessThanOrEqual(100);
    expect(await visits.assign(1, 7n, 999n, [now + 1000])).toEqual([ids[999]]); // still in memory
    expect(await visits.assign(1, 7n, 0n, [now + 1000])).not.toEqual([ids[0]]); // gone: a new visit
  });

  it('gives every new visit an id of its own, across many refills of the pool the ids are drawn from', async () => {
    const now = Date.UTC(2026, 10, 24, 12);
    const visits = new Sessionizer(empty, () => now);
    const ids = new Set<bigint>();
    for (let session = 0n; session < 5000n; session++)
      for (const id of await visits.assign(1, 9n, session, [now])) ids.add(id);
    expect(ids.size).toBe(5000); // 512 ids a refill: nearly 10 refills
  });
});
