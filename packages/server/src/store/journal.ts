import { constants, mkdirSync, readdirSync, readFileSync, truncateSync, write } from 'node:fs';
import { type FileHandle, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { wellFormedJson, wellFormedLines } from '../well-formed.js';
import type { EventRow } from './types.js';

/** Where loading stopped: a segment number and a byte offset in it. */
export interface JournalPosition {
  segment: number;
  offset: number;
}

/**
 * Appends that are durable when the write returns (O_DSYNC: as if each write were followed by
 * fdatasync), so a group costs one trip to libuv's thread pool instead of two.
 */
const DURABLE_APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;

const NAME = /^(\d{10})\.log$/;
const fileOf = (dir: string, segment: number) => join(dir, `${String(segment).padStart(10, '0')}.log`);
/** Segment numbers among a folder's file names, in order. */
export const segmentsAmong = (names: string[]) =>
  names
    .map((f) => NAME.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .map(Number)
    .sort((a, b) => a - b);

/**
 * Writes all of `chunk` at the end of the file, durably (the file is O_DSYNC). The callback form of
 * `write`: a promise-based FileHandle write costs the request thread about 4 µs more a trip to the
 * thread pool (measured, 26-28 against 32-37 µs of CPU a write). A short write is an error: the
 * caller cuts off what reached the file.
 */
const writeAll = (fd: number, chunk: Buffer) =>
  new Promise<void>((resolve, reject) =>
    write(fd, chunk, 0, chunk.length, null, (err, written) => {
      if (err) reject(err);
      else if (written !== chunk.length)
        reject(new Error(`short journal write: ${written} of ${chunk.length} bytes`));
      else resolve();
    }),
  );

/** One row as a compact JSON array (bigints as strings): one line of the journal. */
export function encodeRow(r: EventRow): string {
  return wellFormedJson([
    r.appId,
    r.ts,
    r.name,
    r.path,
    r.durationMs,
    String(r.visitor),
    String(r.visit),
    r.session === null ? null : String(r.session),
    ...contextOf(r),
    r.props,
  ]);
}

/** The fields a row takes from its batch's context and User-Agent, in journal order. */
const contextOf = (r: EventRow) => [
  r.os,
  r.osVersion,
  r.browser,
  r.device,
  r.arch,
  r.runtime,
  r.runtimeVersion,
  r.appVersion,
  r.locale,
  r.screen,
  r.ci,
  r.docker,
  r.machine,
  r.project,
];

/** contextOf(a) equals contextOf(b). Spelled out: a loop over field names measured 10% slower on
 * the request thread for 100-event batches (each `row[name]` is a keyed lookup). */
const sameContext = (a: EventRow, b: EventRow) =>
  a.os === b.os &&
  a.osVersion === b.osVersion &&
  a.browser === b.browser &&
  a.device === b.device &&
  a.arch === b.arch &&
  a.runtime === b.runtime &&
  a.runtimeVersion === b.runtimeVersion &&
  a.appVersion === b.appVersion &&
  a.locale === b.locale &&
  a.screen === b.screen &&
  a.ci === b.ci &&
  a.docker === b.docker &&
  a.machine === b.machine &&
  a.project === b.project;

/**
 * The journal lines of `rows`, each exactly `encodeRow(row)` and a newline. The rows of one batch
 * share their context fields, so their JSON is made once for a run of equal ones, not per row
 * (encoding was the largest cost of a 100-event batch on the request thread).
 */
export function encodeRows(rows: EventRow[]): string {
  let text = '';
  let prev: EventRow | undefined;
  let context = '';
  for (const r of rows) {
    if (!prev || !sameContext(prev, r)) context = JSON.stringify(contextOf(r)).slice(1, -1);
    prev = r;
    const session = r.session === null ? 'null' : `"${r.session}"`;
    // Integers and null print as JSON prints them; only strings need JSON.stringify's escaping.
    text += `[${r.appId},${r.ts},${JSON.stringify(r.name)},${JSON.stringify(r.path)},${r.durationMs},"${r.visitor}","${r.visit}",${session},${context},${JSON.stringify(r.props)}]\n`;
  }
  return wellFormedLines(text); // no line DuckDB cannot read (see well-formed.ts)
}

/** A journal file to load, and how many of its first lines are in the store already. */
export interface PendingFile {
  segment: number;
  path: string;
  skipLines: number;
}

/** The appends that will share the next write, and the one promise they all wait on. */
interface Group {
  texts: string[];
  rows: number;
  durable: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function newGroup(): Group {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const durable = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { texts: [], rows: 0, durable, resolve, reject };
}

/**
 * The write-ahead journal in front of the event store: append-only segment files of rows, one JSON
 * line each (see `encodeRow`; DuckDB reads these files itself, see `store/duckdb/load.ts`). `append`
 * resolves once its rows are on disk (an O_DSYNC write); appends that arrive during a write share
 * the next one (group commit), so many small requests cost one sync. The store loads whole sealed
 * segments and records the first unloaded segment in the same transaction, so a crash at any point
 * replays exactly the rows that were acknowledged and not yet loaded.
 */
export class Journal {
  private handle: FileHandle | null = null;
  private segment = 1;
  private size = 0;
  private queue: Group | null = null;
  private syncing: Promise<void> | null = null;
  private rotation: Promise<unknown> = Promise.resolve();
  private swapping: { next: FileHandle; done: () => void } | null = null;

  /** Told of each group write's rows once they are durable, before any append of it resolves. */
  onDurable: (rows: number) => void = () => {};

  /** Since when group writes fail (ms since the epoch; the last one failed), or null. */
  writesFailingSince: number | null = null;

  private constructor(private readonly dir: string) {}

  /**
   * Opens the journal and returns what was written after `from` (to be loaded before serving): each
   * segment file and how many of its lines were loaded already. A new segment is started for appends.
   */
  static async open(
    dir: string,
    from: JournalPosition,
  ): Promise<{ journal: Journal; pending: PendingFile[] }> {
    mkdirSync(dir, { recursive: true });
    const journal = new Journal(dir);
    const pending: PendingFile[] = [];
    const segments = segmentsAmong(readdirSync(dir));
    for (const segment of segments) {
      if (segment < from.segment) continue;
      const path = fileOf(dir, segment);
      const bytes = readFileSync(path);
      // A torn last line (the process died mid-write) was never acknowledged: cut it off.
      const complete = bytes.lastIndexOf(0x0a) + 1;
      if (complete < bytes.length) truncateSync(path, complete);
      let skipLines = 0;
      if (segment === from.segment) for (let i = 0; i < from.offset; i++) if (bytes[i] === 0x0a) skipLines++;
      if (complete > 0) pending.push({ segment, path, skipLines });
    }
    journal.segment = Math.max(from.segment, ...segments, 0) + 1;
    journal.handle = await open(fileOf(dir, journal.segment), DURABLE_APPEND);
    return { journal, pending };
  }

  /**
   * Resolves once these rows are durable. The appends of one group share one promise: a request
   * costs no promise of its own here.
   */
  append(rows: EventRow[]): Promise<void> {
    if (!this.queue) this.queue = newGroup();
    const group = this.queue;
    group.texts.push(encodeRows(rows));
    group.rows += rows.length;
    if (!this.syncing) this.syncing = this.syncLoop();
    return group.durable;
  }

  private async syncLoop(): Promise<void> {
    while (this.queue) {
      this.swap(); // a rotation waiting for a moment with no write in flight: this is one
      const group = this.queue;
      this.queue = null;
      try {
        const handle = this.handle;
        if (!handle) throw new Error('journal is closed');
        const chunk = Buffer.from(group.texts.join(''), 'utf8');
        // O_DSYNC: the write returns once the bytes are on disk, in one trip to the thread pool
        await writeAll(handle.fd, chunk);
        this.size += chunk.length;
        this.writesFailingSince = null;
        this.onDurable(group.rows);
        group.resolve();
      } catch (err) {
        // Nothing of a failed group was acknowledged: cut off whatever part of it reached the file.
        await this.handle?.truncate(this.size).catch(() => {});
        this.writesFailingSince ??= Date.now();
        group.reject(err);
      }
    }
    this.swap();
    this.syncing = null;
  }

  /** Switches appends to the next segment, if a rotation asked; only ever between two writes. */
  private swap(): void {
    const waiting = this.swapping;
    if (!waiting) return;
    this.swapping = null;
    const old = this.handle;
    this.handle = waiting.next;
    this.segment += 1;
    this.size = 0;
    void (old?.close() ?? Promise.resolve()).catch(() => {}).then(waiting.done);
  }

  /**
   * Starts a new segment. Returns its number and the segments before it still on disk: complete,
   * and every row in them acknowledged (a sync in flight finishes first), so they can be loaded
   * whole. Rotations run one at a time.
   */
  rotate(): Promise<{ next: number; sealed: PendingFile[] }> {
    const run = this.rotation.then(() => this.rotateNow());
    this.rotation = run.catch(() => {});
    return run;
  }

  private async rotateNow(): Promise<{ next: number; sealed: PendingFile[] }> {
    const next = await open(fileOf(this.dir, this.segment + 1), DURABLE_APPEND);
    // The switch happens between two group writes (at once when none is running), so a busy
    // journal rotates without waiting for a lull, and no write sees a half-rotated journal.
    await new Promise<void>((done) => {
      this.swapping = { next, done };
      if (!this.syncing) this.swap();
    });
    const sealed = segmentsAmong(await readdir(this.dir))
      .filter((n) => n < this.segment)
      .map((n) => ({ segment: n, path: fileOf(this.dir, n), skipLines: 0 }));
    return { next: this.segment, sealed };
  }

  /** Removes the segments before `segment` (they are in the store), without blocking requests. */
  async discardBefore(segment: number): Promise<void> {
    const old = segmentsAmong(await readdir(this.dir)).filter((s) => s < segment);
    await Promise.all(old.map((s) => rm(fileOf(this.dir, s), { force: true })));
  }

  /** The segment appends go to now. */
  get currentSegment(): number {
    return this.segment;
  }

  async close(): Promise<void> {
    await this.rotation;
    while (this.syncing) await this.syncing;
    await this.handle?.close();
    this.handle = null;
  }
}
