import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../src/store/duckdb/db.js';
import { DuckDBEventStore } from '../src/store/duckdb/events.js';
import { rowProblem } from '../src/store/duckdb/load.js';
import { encodeRow, encodeRows } from '../src/store/journal.js';
import { type EventRow, StoreUnavailableError } from '../src/store/types.js';
import { cleanup, tempDir } from './support/harness.js';
import { eventRow } from './support/rows.js';
import { closeStore, openStore } from './support/store.js';

const row = eventRow;

/** Reads every stored row back in the journal's field order. */
async function stored(store: DuckDBEventStore): Promise<unknown[][]> {
  const rows = await store.all<Record<string, unknown>>('SELECT * FROM events ORDER BY ts');
  return rows.map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? String(v) : v)));
}
/** The rows as the journal holds them, with ts as text like the other BIGINT columns read back. */
const expected = (rows: EventRow[]) =>
  rows.map((r) => (JSON.parse(encodeRow(r)) as unknown[]).map((v, i) => (i === 1 ? String(v) : v)));

const open = openStore;
const close = closeStore;

describe('the journal is loaded into DuckDB by DuckDB itself', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) cleanup(d);
  });

  it('stores every kind of value exactly: unicode, NUL, quotes, newlines, nulls, extreme ids, booleans', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const rows = [
      row({ ts: 1, path: '/é/日本/"q"/\\/\n', props: '{"a":"\\u0000 x"}', durationMs: 2_147_483_647 }),
      row({ ts: 2, visitor: 9_223_372_036_854_775_807n, visit: -9_223_372_036_854_775_808n, session: 0n }),
      row({ ts: 3, ci: true, docker: false, os: 'Linux', locale: 'de-DE', machine: 'm-1', name: "it's" }),
    ];
    const s = await open(dir);
    await s.store.append(rows);
    expect(await stored(s.store)).toEqual(expected(rows));
    await close(s);
    const again = await open(dir); // and after a restart, once (nothing loaded twice)
    expect(await stored(again.store)).toEqual(expected(rows));
    await close(again);
  });

  it('a lone surrogate anywhere in a row (validation refuses them; this is the last guard) is stored as U+FFFD, and loading goes on', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lone = 'x\ud800y';
    const rows = [
      row({ ts: 1, name: lone, path: `/${lone}`, os: lone, locale: '\udfff', props: `{"k":"${lone}"}` }),
      row({ ts: 2, path: '/fine/\ud83d\ude00' }), // a pair is text: kept as it is
    ];
    const s = await open(dir);
    await s.store.append(rows);
    await s.store.append([row({ ts: 3, path: '/after' })]);
    const back = await s.store.all<{ name: string; path: string; os: string; locale: string; props: string }>(
      'SELECT name, path, os, locale, props FROM events ORDER BY ts',
    );
    expect(back.map((r) => r.path)).toEqual(['/x\ufffdy', '/fine/\ud83d\ude00', '/after']);
    expect(back[0]).toMatchObject({
      name: 'x\ufffdy',
      os: 'x\ufffdy',
      locale: '\ufffd',
      props: '{"k":"x\ufffdy"}',
    });
    await close(s);
  });

  it('a journal left part-loaded (a position inside a segment) loads only the rest after a restart', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const first = await open(dir);
    await close(first); // creates the tables
    const lines = [row({ ts: 1 }), row({ ts: 2 }), row({ ts: 3 })].map((r) => `${encodeRow(r)}\n`);
    mkdirSync(join(dir, 'journal'), { recursive: true });
    writeFileSync(join(dir, 'journal', '0000000042.log'), `${lines.join('')}{"torn`);
    const db = await openDb(dir);
    await db.writer.run(
      `INSERT OR REPLACE INTO journal_state VALUES (1, 42, ${Buffer.byteLength(lines[0] as string)})`,
    );
    db.writer.closeSync();
    db.instance.closeSync();
    const s = await open(dir);
    expect((await stored(s.store)).map((r) => r[1])).toEqual(['2', '3']);
    await close(s);
  });
});

/** A DuckDB whose every load into `events` takes 50 ms more, counted: a test can land in the middle of one. */
async function slowLoads(dir: string) {
  const db = await openDb(dir);
  const loads = { started: 0 };
  const start = db.writer.start.bind(db.writer);
  Object.assign(db.writer, {
    start: async (...args: Parameters<typeof start>) => {
      if (String(args[0]).trimStart().startsWith('INSERT INTO events')) {
        loads.started++;
        await new Promise((r) => setTimeout(r, 50));
      }
      return start(...args);
    },
  });
  return { db, loads };
}

/** Runs `test` on an event store over `slowLoads`, in a directory of its own; closes and removes both after. */
async function onSlowStore(
  test: (s: { store: DuckDBEventStore; loads: { started: number } }) => Promise<void>,
): Promise<void> {
  const dir = tempDir();
  try {
    const { db, loads } = await slowLoads(dir);
    const store = await DuckDBEventStore.open(db, dir);
    await test({ store, loads });
    await close({ db, store });
  } finally {
    cleanup(dir);
  }
}

describe('loading in the background', () => {
  it('rows acknowledged during a load wait for the next, not loaded back to back; a read sees them', () =>
    onSlowStore(async ({ store, loads }) => {
      // LOAD_ROWS rows start a load at once; one more row comes while it runs.
      await store.append(Array.from({ length: 20_000 }, (_, i) => row({ ts: i })));
      expect(loads.started).toBe(0); // the load starts by rotating the journal first
      for (let i = 0; i < 500 && loads.started === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(loads.started).toBe(1);
      await store.append([row({ ts: 20_000 })]);
      await new Promise((r) => setTimeout(r, 300)); // the first load has ended (50 ms + its work)
      expect(loads.started).toBe(1); // the late row waits (for LOAD_DELAY_MS, or a read)
      const [count] = await store.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM events');
      expect(count?.n).toBe(20_001);
      expect(loads.started).toBe(2);
    }));
});

describe('when loading fails', () => {
  it('past the unloaded-row limit, appends still resolve once durable, reads fail clearly; the rows load, once, when loading works again', async () => {
    const dir = tempDir();
    try {
      const db = await openDb(dir);
      const store = await DuckDBEventStore.open(db, dir, { maxUnloaded: 5 });
      // Every load fails while the table is away: a real DuckDB error, not a stand-in.
      await db.writer.run('ALTER TABLE events RENAME TO events_away');
      const rows = Array.from({ length: 20 }, (_, i) => row({ ts: i + 1 }));
      // Past 5 unloaded rows each append waits for a load, which fails: the rows are durable all the
      // same, and a client told otherwise would send them again (counted twice).
      for (const r of rows.slice(0, 6)) await store.append([r]);
      await Promise.all(rows.slice(6).map((r) => store.append([r]))); // these all wait, for one load
      // A read meanwhile fails clearly (503 at the API), not with a count short of what was acknowledged.
      await expect(store.all('SELECT count(*) AS n FROM events_away')).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await db.writer.run('ALTER TABLE events_away RENAME TO events');
      expect(await stored(store)).toEqual(expected(rows));
      await close({ db, store });
      const again = await open(dir);
      expect(await stored(again.store)).toEqual(expected(rows));
      await close(again);
    } finally {
      cleanup(dir);
    }
  });
});

describe('while loads keep failing', () => {
  it('appends past the unloaded-row limit go on and start no load of their own; the loader backs off: a few journal segments, not hundreds', async () => {
    const dir = tempDir();
    try {
      const db = await openDb(dir);
      const store = await DuckDBEventStore.open(db, dir, { maxUnloaded: 5 });
      await db.writer.run('ALTER TABLE events RENAME TO events_away');
      // 20 clients append for 2.5 seconds. Each load tried starts a journal segment: before, every
      // write past the limit tried one (621 segments in 2.5 s here). Now the loader tries after 1 s,
      // then 1 s later, then 2 s later...
      const started = Date.now();
      let acknowledged = 0;
      await Promise.all(
        Array.from({ length: 20 }, async (_, c) => {
          for (let i = 0; Date.now() - started < 2500; i++) {
            await store.append([row({ ts: c * 1_000_000 + i })]);
            acknowledged++;
          }
        }),
      );
      const segments = readdirSync(join(dir, 'journal')).filter((f) => f.endsWith('.log'));
      expect(segments.length).toBeLessThanOrEqual(4);
      expect(acknowledged).toBeGreaterThan(1000); // appends went on: none waits for a failing loader
      await db.writer.run('ALTER TABLE events_away RENAME TO events');
      const [count] = await store.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM events');
      expect(count?.n).toBe(acknowledged); // every acknowledged row, once
      await close({ db, store });
    } finally {
      cleanup(dir);
    }
  });
});

describe('reading while events keep coming', () => {
  it('a read waits for the rows acknowledged before it, not for a lull in ingest', () =>
    onSlowStore(async ({ store, loads }) => {
      let acknowledged = 0;
      let stop = false;
      // A row every few milliseconds: every load (50 ms) ends with new rows waiting.
      const ingest = (async () => {
        for (let i = 0; !stop && i < 2000; i++) {
          await store.append([row({ ts: i })]);
          acknowledged++;
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      const before = { acknowledged, loads: loads.started };
      const [count] = await store.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM events');
      const loadsForRead = loads.started - before.loads;
      stop = true;
      await ingest;
      expect(count?.n).toBeGreaterThanOrEqual(before.acknowledged);
      expect(loadsForRead).toBeLessThanOrEqual(2);
    }));
});

describe('loading and erasure at the same time', () => {
  it('an erasure that rotates the journal during a load loses no acknowledged row', async () => {
    const dir = tempDir();
    try {
      const { db } = await slowLoads(dir);
      const store = await DuckDBEventStore.open(db, dir);
      await store.append([row({ ts: 1 })]);
      const loading = store.drain(); // starts a segment and loads the one before it
      await new Promise((r) => setTimeout(r, 10));
      await store.append([row({ ts: 2 })]); // acknowledged, in the new segment
      const erasure = store.deleteMachine(1, 'nobody'); // starts another segment meanwhile
      await Promise.all([loading, erasure]);
      expect((await stored(store)).map((r) => r[1])).toEqual(['1', '2']);
      await store.close();
      db.writer.closeSync();
      db.instance.closeSync();
      const again = await open(dir); // and after a restart, each once
      expect((await stored(again.store)).map((r) => r[1])).toEqual(['1', '2']);
      await close(again);
    } finally {
      cleanup(dir);
    }
  });
});

describe('encodeRows', () => {
  // 'binary': any UTF-16 code unit, lone surrogates too
  const text = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: null });
  const flag = fc.option(fc.boolean(), { nil: null });
  const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  // A few contexts, so that runs of rows share one and others switch between them.
  const context = fc.record({ os: text, locale: text, screen: text, ci: flag, docker: flag, machine: text });
  const rowOf = (ctx: Partial<EventRow>) =>
    fc
      .record({
        ts: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        name: fc.string({ unit: 'binary', maxLength: 12 }),
        path: text,
        durationMs: fc.option(fc.integer({ min: 0, max: 2_147_483_647 }), { nil: null }),
        visitor: int64,
        visit: int64,
        session: fc.option(int64, { nil: null }),
        props: fc.option(fc.json(), { nil: null }),
      })
      .map((r) => row({ ...ctx, ...r }));

  it('writes each row exactly as encodeRow does, whether rows share their context or not, each a row the load takes', () => {
    fc.assert(
      fc.property(
        fc
          .array(context, { minLength: 1, maxLength: 3 })
          .chain((ctxs) => fc.array(fc.constantFrom(...ctxs).chain(rowOf), { maxLength: 20 })),
        (rows) => {
          const text = encodeRows(rows);
          expect(text).toBe(rows.map((r) => `${encodeRow(r)}\n`).join(''));
          // and every line loads as it is: a row, spelled as JSON.stringify spells it, so no line
          // is ever rewritten or set aside after a failed load (see unloadable.ts)
          for (const line of text.split('\n').slice(0, -1)) {
            expect(rowProblem(JSON.parse(line))).toBeNull();
            expect(JSON.stringify(JSON.parse(line))).toBe(line);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
