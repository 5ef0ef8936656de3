import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Journal, type PendingFile } from '../journal.js';
import { serial } from '../serial.js';
import {
  type EventRow,
  type EventStore,
  type StoreHealth,
  StoreUnavailableError,
  type VisitState,
} from '../types.js';
import { copyDatabase } from './copy.js';
import { type Db, readAll, readFresh, runStarted } from './db.js';
import { loadJournalSql } from './load.js';
import { EVENT_DDL, JOURNAL_DDL } from './schema.js';
import { eraseSetAside, mendSegment } from './unloadable.js';

/**
 * Load into DuckDB once this many rows wait, or LOAD_DELAY_MS after a row is left waiting. A load
 * costs DuckDB the same few milliseconds however small it is: measured alone, loading the journal
 * costs 8.3 µs of CPU per row in loads of 2,000 rows, 5.2 in loads of 20,000 and 4.1-4.5 in loads of
 * 40,000. Reads load what waits first, so the delay never hides an event from a query.
 */
const LOAD_ROWS = 20_000;
const LOAD_DELAY_MS = 1_000;
/** Appends wait for the loader beyond this many unloaded rows (so a read never waits on a long load). */
const MAX_UNLOADED = 200_000;
/** While loads fail, the loader's own tries come LOAD_DELAY_MS after the first failure, then twice
 * as long each time, up to this. */
const MAX_RETRY_MS = 30_000;

/**
 * Events in the DuckDB file, behind the journal. `append` resolves when the rows are durable in the
 * journal (group commit); a loader starts a new journal segment and has DuckDB read the sealed ones
 * in one transaction that also records that the journal is loaded up to the new segment, so a crash
 * replays exactly what was acknowledged and not yet loaded. Reads first load what was acknowledged
 * before them, so a query always sees every acknowledged event.
 */
export class DuckDBEventStore implements EventStore {
  /** Rows acknowledged (in the journal) and not yet loaded into DuckDB. */
  private unloadedRows = 0;
  /** Every journal segment below this one is in DuckDB (and may be deleted from disk). */
  private loadedBefore = 0;
  /** The loads in flight: one load, then more while a reader waits for one or LOAD_ROWS wait. */
  private loading: Promise<void> | null = null;
  /** Loads started so far; load n takes every row acknowledged before it started. */
  private started = 0;
  /** The last load that ended well (loads end in the order they start). */
  private completed = 0;
  /** The load a waiting reader needs: the loads in flight go on until this one has run. */
  private wanted = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Loads that failed in a row (0: the last one ended well). */
  private failures = 0;
  /** When the current run of failed loads began, or null. */
  private loadsFailingSince: number | null = null;
  /** No load starts before this time (ms): LOAD_DELAY_MS after a load failed. */
  private retryAt = 0;
  /**
   * Sealed segments read line by line after a failed load and found loadable (they do not change):
   * a failure that is not the lines' (a full disk) has each segment read once, not at every retry.
   * Cleared by a load that ends well, which took them all.
   */
  private readonly checked = new Set<string>();
  /** The writer connection: loads and deletes take turns on it. */
  private readonly exclusive = serial();

  private constructor(
    private readonly db: Db,
    private readonly journal: Journal,
    private readonly maxUnloaded: number,
    /** Where journal lines that are no row at all are kept (see mendSegment). */
    private readonly setAsideDir: string,
  ) {}

  static async open(
    db: Db,
    dataDir: string,
    { maxUnloaded = MAX_UNLOADED }: { maxUnloaded?: number } = {},
  ): Promise<DuckDBEventStore> {
    await db.writer.run(EVENT_DDL);
    await db.writer.run(JOURNAL_DDL);
    const [state] = await readAll<{ segment: number; pos: bigint }>(
      db,
      db.writer,
      'SELECT segment, pos FROM journal_state WHERE id = 1',
    );
    const from = { segment: state?.segment ?? 0, offset: Number(state?.pos ?? 0) };
    const { journal, pending } = await Journal.open(join(dataDir, 'journal'), from);
    const store = new DuckDBEventStore(db, journal, maxUnloaded, join(dataDir, 'journal', 'unloadable'));
    journal.onDurable = (rows) => store.acknowledged(rows);
    // Recovery: what was acknowledged but not loaded before a crash goes in before anything else.
    await store.load(pending, journal.currentSegment);
    await journal.discardBefore(store.loadedBefore);
    return store;
  }

  /**
   * Resolves once the rows are durable in the journal; past `maxUnloaded` unloaded rows, once the
   * loader has caught up as well, or failed: durable rows are acknowledged whatever becomes of the
   * load (a failed load leaves them in the journal for the next), since a client told otherwise
   * would send them again and they would be counted twice. While loads fail, appends do not wait
   * for the loader (holding clients back cannot help it) nor start a load of their own.
   * The count and the loader are seen to once per group write (see `acknowledged`), not in a step
   * of every request's own.
   */
  append(rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const durable = this.journal.append(rows);
    return this.unloadedRows > this.maxUnloaded && !this.failures
      ? durable.then(() => this.drain().catch(() => {}))
      : durable;
  }

  /** A group write made these rows durable: they wait for a load now. */
  private acknowledged(rows: number): void {
    this.unloadedRows += rows;
    if (this.loading) return;
    if (this.unloadedRows >= LOAD_ROWS && !this.failures) void this.startLoading().catch(() => {});
    else this.loadLater();
  }

  /**
   * Loads every row acknowledged so far into DuckDB. Only those: under steady ingest there is always
   * a row that came in during the last load, and a reader waiting for none to be left would wait
   * (measured) up to 3 seconds for a lull.
   */
  async drain(): Promise<void> {
    // Rows waiting now are taken by the next load to start; otherwise the one in flight has them all.
    const needed = this.unloadedRows ? this.started + 1 : this.started;
    this.wanted = Math.max(this.wanted, needed);
    while (this.completed < needed) await (this.loading ?? this.startLoading());
  }

  /** A load by the timer: LOAD_DELAY_MS from now, or while loads fail, after the backoff. */
  private loadLater(): void {
    const delay = this.failures
      ? Math.min(MAX_RETRY_MS, LOAD_DELAY_MS * 2 ** (this.failures - 1))
      : LOAD_DELAY_MS;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (!this.loading && this.unloadedRows) void this.startLoading().catch(() => {});
    }, delay);
    this.timer.unref(); // what waits is durable in the journal: no reason to keep a process alive
  }

  /**
   * Starts loading what waits. When the loads end, rows that came in meanwhile wait for the timer:
   * loads do not follow each other back to back (then each would take only the rows that came during
   * the one before, and pay a load's fixed cost for them), nor retry a failure at once: after a
   * failure the next load waits until `retryAt`, whoever asks for it (a read, that is: see `append`
   * and `acknowledged`; the timer backs off to MAX_RETRY_MS). Each load starts a journal segment:
   * when every write past the unloaded-row limit started one while the store was failing, 20 clients
   * made 621 segments in 2.5 s, and an outage of hours would have left millions of files.
   */
  private startLoading(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const wait = this.retryAt - Date.now();
    this.loading = (wait > 0 ? sleep(wait).then(() => this.loadLoop()) : this.loadLoop()).finally(() => {
      this.loading = null;
      if (this.unloadedRows) this.loadLater();
    });
    return this.loading;
  }

  private async loadLoop(): Promise<void> {
    do {
      const rows = this.unloadedRows;
      this.unloadedRows = 0;
      const load = ++this.started;
      try {
        // Everything acknowledged so far is in the segments before the new one: load them whole
        // (but none twice: a segment below `loadedBefore` is in already, its deletion just failed).
        const { next, sealed } = await this.journal.rotate();
        await this.load(
          sealed.filter((f) => f.segment >= this.loadedBefore),
          next,
        );
      } catch (err) {
        // Still in the journal (a later load or a restart picks it up): count it as waiting again.
        this.unloadedRows += rows;
        this.failures++;
        this.loadsFailingSince ??= Date.now();
        this.retryAt = Date.now() + LOAD_DELAY_MS;
        throw err;
      }
      this.completed = load;
      this.failures = 0;
      this.loadsFailingSince = null;
      // A segment that could not be deleted now is deleted by the next load (it is never reloaded).
      await this.journal.discardBefore(this.loadedBefore).catch(() => {});
    } while (this.unloadedRows && (this.started < this.wanted || this.unloadedRows >= LOAD_ROWS));
  }

  /**
   * One DuckDB transaction: the files' rows, and that the journal is loaded up to segment `next`
   * (the one a rotation started; later rotations by an erasure do not move it). When DuckDB refuses
   * a file, its lines are mended (see `mend`) and the load tried once more.
   */
  private load(files: PendingFile[], next: number): Promise<void> {
    return this.exclusive(async () => {
      try {
        await this.loadFiles(files, next);
      } catch (err) {
        if (!(await this.mend(files, err))) throw err;
        await this.loadFiles(files, next);
      }
    });
  }

  /**
   * After a failed load: mends the lines DuckDB cannot read in segments not checked yet (see
   * mendSegment), and says so in the log. True when a line changed, so the load is worth another try;
   * false for a failure that is not the lines' (a full disk): it stays the load's error.
   */
  private async mend(files: PendingFile[], err: unknown): Promise<boolean> {
    let changed = false;
    for (const f of files.filter((f) => !this.checked.has(f.path))) {
      const { mended, setAside } = await mendSegment(f, this.setAsideDir);
      this.checked.add(f.path);
      if (mended === 0 && setAside.length === 0) continue;
      changed = true;
      const aside = setAside.length
        ? `, ${setAside.length} set aside in ${join(this.setAsideDir, basename(f.path))} (${[...new Set(setAside)].join('; ')})`
        : '';
      console.error(
        `tally: journal segment ${basename(f.path)} held lines DuckDB could not load: ${mended} mended (U+FFFD for invalid text)${aside}. The rest loads. DuckDB said:`,
        err,
      );
    }
    return changed;
  }

  private async loadFiles(files: PendingFile[], next: number): Promise<void> {
    const w = this.db.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      for (const f of files) await runStarted(this.db, w, loadJournalSql(f.path, f.skipLines));
      await w.run('INSERT OR REPLACE INTO journal_state VALUES (1, $1, 0)', [next]);
      await w.run('COMMIT');
      this.loadedBefore = Math.max(this.loadedBefore, next);
      this.checked.clear();
    } catch (err) {
      await w.run('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** Loads what was acknowledged before a read or an erasure; a failed load makes it fail clearly. */
  private async loaded(): Promise<void> {
    try {
      await this.drain();
    } catch (err) {
      throw new StoreUnavailableError(err);
    }
  }

  health(): StoreHealth {
    return {
      writesFailingSince: this.journal.writesFailingSince,
      loadsFailingSince: this.loadsFailingSince,
    };
  }

  /** Loads are not held up: the copy reads one snapshot on a connection of its own. */
  async backupTo(file: string): Promise<void> {
    await this.loaded();
    const conn = await this.db.instance.connect();
    try {
      await copyDatabase(conn, file, (sql) => runStarted(this.db, conn, sql));
    } finally {
      conn.closeSync();
    }
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    await this.loaded();
    return readFresh<T>(this.db, sql, params);
  }

  private async visits(where: string, params: unknown[]): Promise<VisitState[]> {
    await this.loaded();
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

  /**
   * Deletes, then removes the journal segments that held the deleted rows, and the app's lines set
   * aside as unloadable (erasure means gone).
   */
  private async deleteWhere(
    appId: number,
    where: string,
    params: unknown[],
    { wholeApp = false } = {},
  ): Promise<number> {
    await this.journal.rotate();
    await this.loaded();
    const n = await this.exclusive(async () => {
      // Between the loads (they take turns on the writer): what was loaded is deleted below, what is
      // loaded from now on skips the app.
      if (wholeApp) await this.db.writer.run('INSERT OR IGNORE INTO erased_apps VALUES ($1)', [appId]);
      const [row] = await readAll<{ n: number }>(
        this.db,
        this.db.writer,
        `SELECT count(*)::INTEGER AS n FROM events WHERE ${where}`,
        params,
      );
      await runStarted(this.db, this.db.writer, `DELETE FROM events WHERE ${where}`, params);
      return row?.n ?? 0;
    });
    // Every segment with a deleted row is loaded (drain above): off the disk it goes.
    await this.journal.discardBefore(this.loadedBefore);
    await eraseSetAside(this.setAsideDir, appId);
    return n;
  }

  /**
   * Erases every event of the app, those still on their way too: the app is marked erased with the
   * delete, so rows acknowledged while the erasure runs (batches authenticated before the app was
   * gone) are never loaded. App ids are not reused.
   */
  deleteApp(appId: number): Promise<number> {
    return this.deleteWhere(appId, 'app_id = $1', [appId], { wholeApp: true });
  }

  deleteMachine(appId: number, machine: string): Promise<number> {
    return this.deleteWhere(appId, 'app_id = $1 AND machine = $2', [appId, machine]);
  }

  deleteBefore(appId: number, ts: number): Promise<number> {
    return this.deleteWhere(appId, 'app_id = $1 AND ts < $2', [appId, BigInt(ts)]);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.journal.close();
  }
}
