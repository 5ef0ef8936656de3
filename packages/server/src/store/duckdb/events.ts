import { join } from 'node:path';
import type { DuckDBAppender } from '@duckdb/node-api';
import { Journal, type JournalPosition } from '../journal.js';
import { serial } from '../serial.js';
import type { EventRow, EventStore, VisitState } from '../types.js';
import { type Db, readAll, readFresh } from './db.js';
import { EVENT_DDL, JOURNAL_DDL } from './schema.js';

const str = (a: DuckDBAppender, v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
const bool = (a: DuckDBAppender, v: boolean | null) => (v === null ? a.appendNull() : a.appendBoolean(v));

function appendRow(a: DuckDBAppender, r: EventRow): void {
  a.appendInteger(r.appId);
  a.appendBigInt(BigInt(r.ts));
  a.appendVarchar(r.name);
  str(a, r.path);
  r.durationMs === null ? a.appendNull() : a.appendInteger(r.durationMs);
  a.appendBigInt(r.visitor);
  a.appendBigInt(r.visit);
  r.session === null ? a.appendNull() : a.appendBigInt(r.session);
  str(a, r.os);
  str(a, r.osVersion);
  str(a, r.browser);
  str(a, r.device);
  str(a, r.arch);
  str(a, r.runtime);
  str(a, r.runtimeVersion);
  str(a, r.appVersion);
  str(a, r.locale);
  str(a, r.screen);
  bool(a, r.ci);
  bool(a, r.docker);
  str(a, r.machine);
  str(a, r.project);
  str(a, r.props);
  a.endRow();
}

/** Load into DuckDB once this many rows wait, or after LOAD_DELAY_MS. */
const LOAD_ROWS = 20_000;
const LOAD_DELAY_MS = 100;
/** Appends wait for the loader beyond this many unloaded rows (bounded memory). */
const MAX_UNLOADED = 200_000;
/** Start a new journal segment past this size; loaded segments are deleted. */
const SEGMENT_BYTES = 64 * 1024 * 1024;

interface Unloaded {
  rows: EventRow[];
  end: JournalPosition;
}

/**
 * Events in the DuckDB file, behind the journal. `append` resolves when the rows are durable in the
 * journal (group-committed fdatasync); a loader moves them into DuckDB in large transactions that
 * also record the journal position, so a crash replays exactly what was acknowledged and not yet
 * loaded. Reads first load whatever is waiting, so a query always sees every acknowledged event.
 */
export class DuckDBEventStore implements EventStore {
  private unloaded: Unloaded[] = [];
  private unloadedRows = 0;
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The writer connection: loads and deletes take turns on it. */
  private readonly exclusive = serial();

  private constructor(
    private readonly db: Db,
    private readonly journal: Journal,
  ) {}

  static async open(db: Db, dataDir: string): Promise<DuckDBEventStore> {
    await db.writer.run(EVENT_DDL);
    await db.writer.run(JOURNAL_DDL);
    const [state] = await readAll<{ segment: number; pos: bigint }>(
      db.writer,
      'SELECT segment, pos FROM journal_state WHERE id = 1',
    );
    const from = { segment: state?.segment ?? 0, offset: Number(state?.pos ?? 0) };
    const { journal, pending } = await Journal.open(join(dataDir, 'journal'), from);
    const store = new DuckDBEventStore(db, journal);
    // Recovery: what was acknowledged but not loaded before a crash goes in before anything else.
    for (let i = 0; i < pending.length; i += 50_000) {
      const chunk = pending.slice(i, i + 50_000);
      await store.load(
        chunk.map((p) => p.row),
        (chunk[chunk.length - 1] as (typeof pending)[number]).end,
      );
    }
    journal.discardBefore(journal.current);
    return store;
  }

  async append(rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return;
    const end = await this.journal.append(rows);
    this.unloaded.push({ rows, end });
    this.unloadedRows += rows.length;
    if (this.unloadedRows >= LOAD_ROWS) void this.drain().catch(() => {});
    else this.timer ??= setTimeout(() => void this.drain().catch(() => {}), LOAD_DELAY_MS);
    if (this.unloadedRows > MAX_UNLOADED) await this.drain();
  }

  /** Loads everything acknowledged so far into DuckDB. */
  drain(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.loading) {
      if (!this.unloaded.length) return Promise.resolve();
      this.loading = this.loadLoop().finally(() => {
        this.loading = null;
      });
    }
    return this.loading;
  }

  private async loadLoop(): Promise<void> {
    while (this.unloaded.length) {
      const items = this.unloaded;
      this.unloaded = [];
      this.unloadedRows = 0;
      const end = (items[items.length - 1] as Unloaded).end;
      try {
        await this.load(
          items.flatMap((i) => i.rows),
          end,
        );
      } catch (err) {
        // Still in the journal and still queued: the next drain tries again.
        this.unloaded = items.concat(this.unloaded);
        this.unloadedRows += items.reduce((n, i) => n + i.rows.length, 0);
        throw err;
      }
      if (end.offset > SEGMENT_BYTES) await this.journal.rotate();
      this.journal.discardBefore(end);
    }
  }

  /** One DuckDB transaction: the rows and how far into the journal they reach. */
  private load(rows: EventRow[], end: JournalPosition): Promise<void> {
    return this.exclusive(async () => {
      const w = this.db.writer;
      await w.run('BEGIN TRANSACTION');
      try {
        const appender = await w.createAppender('events');
        for (const r of rows) appendRow(appender, r);
        appender.closeSync();
        await w.run('INSERT OR REPLACE INTO journal_state VALUES (1, $1, $2)', [
          end.segment,
          BigInt(end.offset),
        ]);
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    await this.drain();
    return readFresh<T>(this.db, sql, params);
  }

  private async visits(where: string, params: unknown[]): Promise<VisitState[]> {
    await this.drain();
    const rows = await readFresh<{
      app_id: number;
      visitor: bigint;
      visit: bigint;
      session: bigint | null;
      first: bigint;
      last: bigint;
    }>(
      this.db,
      `SELECT app_id, visitor, visit, any_value(session) AS session, min(ts) AS first, max(ts) AS last
       FROM events WHERE ${where} GROUP BY app_id, visitor, visit`,
      params,
    );
    return rows.map((r) => ({
      appId: r.app_id,
      visitor: r.visitor,
      visit: r.visit,
      session: r.session,
      first: Number(r.first),
      last: Number(r.last),
    }));
  }

  recentVisits(sinceMs: number): Promise<VisitState[]> {
    return this.visits('ts >= $1', [BigInt(sinceMs)]);
  }

  visitsNear(appId: number, visitor: bigint, fromMs: number, toMs: number): Promise<VisitState[]> {
    return this.visits('app_id = $1 AND visitor = $2 AND ts BETWEEN $3 AND $4', [
      appId,
      visitor,
      BigInt(fromMs),
      BigInt(toMs),
    ]);
  }

  /** Deletes, then rewrites the journal without the deleted rows' segments (erasure means gone). */
  private async deleteWhere(where: string, params: unknown[]): Promise<number> {
    await this.journal.rotate();
    await this.drain();
    const n = await this.exclusive(async () => {
      const [row] = await readAll<{ n: number }>(
        this.db.writer,
        `SELECT count(*)::INTEGER AS n FROM events WHERE ${where}`,
        params,
      );
      // biome-ignore lint/suspicious/noExplicitAny: DuckDB values
      await this.db.writer.run(`DELETE FROM events WHERE ${where}`, params as any);
      return row?.n ?? 0;
    });
    this.journal.discardBefore(this.journal.current);
    return n;
  }

  deleteApp(appId: number): Promise<number> {
    return this.deleteWhere('app_id = $1', [appId]);
  }

  deleteMachine(appId: number, machine: string): Promise<number> {
    return this.deleteWhere('app_id = $1 AND machine = $2', [appId, machine]);
  }

  deleteBefore(appId: number, ts: number): Promise<number> {
    return this.deleteWhere('app_id = $1 AND ts < $2', [appId, BigInt(ts)]);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.journal.close();
  }
}
