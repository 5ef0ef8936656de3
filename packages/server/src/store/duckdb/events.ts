import type { DuckDBAppender } from '@duckdb/node-api';
import { serial } from '../serial.js';
import type { EventRow, EventStore, VisitState } from '../types.js';
import { type Db, readAll, readFresh } from './db.js';
import { EVENT_DDL } from './schema.js';

interface Pending {
  rows: EventRow[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

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

/**
 * Events in the DuckDB file. `append` is group-committed: batches that arrive while a commit is
 * running wait for the next one, which takes them all in one transaction. DuckDB syncs its WAL on
 * commit, so when `append` resolves the rows survive a crash, and more concurrency means fuller
 * commits rather than more of them.
 */
export class DuckDBEventStore implements EventStore {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  /** The writer connection: group commits and deletes take turns on it. */
  private readonly exclusive = serial();

  private constructor(private readonly db: Db) {}

  static async open(db: Db): Promise<DuckDBEventStore> {
    await db.writer.run(EVENT_DDL);
    return new DuckDBEventStore(db);
  }

  append(rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length) {
      const group = this.queue;
      this.queue = [];
      try {
        await this.exclusive(() => this.commit(group));
        for (const p of group) p.resolve();
      } catch (err) {
        for (const p of group) p.reject(err);
      }
    }
    this.flushing = null;
  }

  private async commit(group: Pending[]): Promise<void> {
    const w = this.db.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      const appender = await w.createAppender('events');
      for (const p of group) for (const r of p.rows) appendRow(appender, r);
      appender.closeSync();
      await w.run('COMMIT');
    } catch (err) {
      await w.run('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return readFresh<T>(this.db, sql, params);
  }

  private async visits(where: string, params: unknown[]): Promise<VisitState[]> {
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

  private async deleteWhere(where: string, params: unknown[]): Promise<number> {
    return this.exclusive(async () => {
      const [row] = await readAll<{ n: number }>(
        this.db.writer,
        `SELECT count(*)::INTEGER AS n FROM events WHERE ${where}`,
        params,
      );
      // biome-ignore lint/suspicious/noExplicitAny: DuckDB values
      await this.db.writer.run(`DELETE FROM events WHERE ${where}`, params as any);
      return row?.n ?? 0;
    });
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
    while (this.flushing) await this.flushing;
  }
}
