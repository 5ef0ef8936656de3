import { randomFillSync } from 'node:crypto';
import type { EventStore, VisitState } from '../store/types.js';

export const VISIT_GAP_MS = 30 * 60_000;
/** Visits idle this long (by event time and by arrival) leave memory; later events look them up. */
const KEEP_MS = 60 * 60_000;
/**
 * At most this many sessions' visits in memory (about 500 bytes each, measured: 250 MB in all).
 * Without a bound, one app key (public in a web page) sending a new session id with each batch, at
 * the default 5,000 batches a second, would hold 18 million visits an hour. Past it the sessions
 * seen first go, a tenth at a time (so the Map is not walked again for every new one); an event of
 * such a session later starts a new visit: a split visit under a flood, not an exhausted memory.
 */
const MAX_SESSIONS = 500_000;

interface LiveVisit extends VisitState {
  touched: number;
  /**
   * When the visitor's first visit in memory was created (arrival time); -Infinity for visits read
   * back from the store, whose day nobody knows. A visit carries the visitor hash of its salt day.
   */
  since: number;
}

/**
 * Random visit ids, 8 bytes at a time from a pool refilled 4 KiB at once: a `randomBytes(8)` of its
 * own for each new visit cost about 4 µs (a call into OpenSSL each time), a quarter of the request
 * thread's time for a batch that starts a visit (measured with a new session id each batch).
 */
const idPool = Buffer.alloc(4096);
let idPoolUsed = idPool.length;
function newVisitId(): bigint {
  if (idPoolUsed === idPool.length) {
    randomFillSync(idPool);
    idPoolUsed = 0;
  }
  const id = idPool.readBigInt64BE(idPoolUsed);
  idPoolUsed += 8;
  return id;
}

/**
 * Visits in memory are kept by visitor and session: only a visit of the same session can continue,
 * so an event looks through that session's few visits, not through every visit of its visitor. One
 * visitor may have thousands of sessions an hour (a CLI sends a new session id each run, and a build
 * farm may share one machine id): looking through all of them cost 150 µs an event at 10,000
 * sessions and grew with each one.
 */
const keyOf = (appId: number, visitor: bigint, session: bigint | null) => `${appId}:${visitor}:${session}`;

/**
 * Assigns visits at ingest (METRICS.md): a visitor's events in time order form one visit until an
 * event comes more than 30 minutes after the previous one; a different session id is a different
 * visit. Recent visits are kept in memory and reloaded from the store after a restart, so a restart
 * never splits a visit; events older than memory reaches are matched against the store.
 */
export class Sessionizer {
  private live = new Map<string, LiveVisit[]>();
  private oldestSince = Number.POSITIVE_INFINITY;

  constructor(
    private readonly store: EventStore,
    private readonly now: () => number,
    private readonly maxSessions = MAX_SESSIONS,
  ) {}

  /** Reloads the visits that may still continue (call once at startup). */
  async warm(): Promise<void> {
    const now = this.now();
    for (const v of await this.store.recentVisits(now - KEEP_MS - VISIT_GAP_MS))
      this.remember({ ...v, touched: now, since: Number.NEGATIVE_INFINITY });
  }

  /**
   * The earliest creation time of the visits in memory (see LiveVisit.since). Only a visit created
   * before today's salt took over can carry the day before's visitor hash, so when this is later than
   * that, nobody can continue a visit under yesterday's salt and its hash need not be computed.
   */
  get oldestCreated(): number {
    return this.oldestSince;
  }

  private remember(v: LiveVisit): void {
    this.oldestSince = Math.min(this.oldestSince, v.since);
    const key = keyOf(v.appId, v.visitor, v.session);
    const list = this.live.get(key);
    if (list) {
      if (!list.some((x) => x.visit === v.visit)) list.push(v);
      return;
    }
    this.live.set(key, [v]);
    if (this.live.size <= this.maxSessions) return;
    const keep = Math.floor(this.maxSessions * 0.9);
    for (const first of this.live.keys()) {
      if (this.live.size <= keep) break;
      this.live.delete(first);
    }
  }

  /** True when this visitor has a visit in memory that an event at `ts` would continue. */
  continues(appId: number, visitor: bigint, session: bigint | null, ts: number): boolean {
    return !!this.find(this.live.get(keyOf(appId, visitor, session)), ts);
  }

  /** The visit among one session's that an event at `ts` continues (the nearest in time). */
  private find(list: LiveVisit[] | undefined, ts: number): LiveVisit | undefined {
    let best: LiveVisit | undefined;
    for (const v of list ?? []) {
      if (ts < v.first - VISIT_GAP_MS || ts > v.last + VISIT_GAP_MS) continue;
      if (!best || Math.abs(ts - v.last) < Math.abs(ts - best.last)) best = v;
    }
    return best;
  }

  /**
   * Visit ids for events of one visitor, given in ascending `ts` order. At once, unless a late event
   * may belong to a visit that already left memory: then (a promise) after that visitor's visits are
   * fetched from the store. Most batches need no fetch, and an await would cost each of them another
   * turn of the microtask queue.
   */
  assign(
    appId: number,
    visitor: bigint,
    session: bigint | null,
    timestamps: number[],
  ): bigint[] | Promise<bigint[]> {
    const now = this.now();
    const key = keyOf(appId, visitor, session);
    const oldest = timestamps[0];
    if (oldest === undefined || oldest >= now - VISIT_GAP_MS || this.find(this.live.get(key), oldest))
      return this.assignInMemory(key, appId, visitor, session, timestamps, now);
    const last = timestamps[timestamps.length - 1] as number;
    return this.store.visitsNear(appId, visitor, oldest - VISIT_GAP_MS, last + VISIT_GAP_MS).then((near) => {
      for (const v of near) this.remember({ ...v, touched: now, since: Number.NEGATIVE_INFINITY });
      return this.assignInMemory(key, appId, visitor, session, timestamps, now);
    });
  }

  private assignInMemory(
    key: string,
    appId: number,
    visitor: bigint,
    session: bigint | null,
    timestamps: number[],
    now: number,
  ): bigint[] {
    const ids: bigint[] = [];
    for (const ts of timestamps) {
      const sessionVisits = this.live.get(key);
      let v = this.find(sessionVisits, ts);
      if (!v) {
        // Same visitor hash, same salt day: a new visit is as old as the session's others (a visit
        // of its visitor that a batch continued under yesterday's hash is of the same session).
        let since = now;
        for (const x of sessionVisits ?? []) since = Math.min(since, x.since);
        v = { appId, visitor, visit: newVisitId(), session, first: ts, last: ts, touched: now, since };
        this.remember(v);
      }
      v.first = Math.min(v.first, ts);
      v.last = Math.max(v.last, ts);
      v.touched = now;
      ids.push(v.visit);
    }
    return ids;
  }

  /** Drops visits that can no longer continue from memory (they stay findable in the store). */
  prune(): void {
    const cutoff = this.now() - KEEP_MS;
    this.oldestSince = Number.POSITIVE_INFINITY;
    for (const [key, list] of this.live) {
      const kept = list.filter((v) => v.last >= cutoff || v.touched >= cutoff);
      if (kept.length) this.live.set(key, kept);
      else this.live.delete(key);
      for (const v of kept) this.oldestSince = Math.min(this.oldestSince, v.since);
    }
  }

  get size(): number {
    return this.live.size;
  }
}
