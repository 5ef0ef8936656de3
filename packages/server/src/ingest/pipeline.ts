import type { AppRegistry } from '../apps.js';
import type { Config } from '../config.js';
import { countRejection } from '../rejections.js';
import type { AppRecord, EventStore, MetaStore } from '../store/types.js';
import { authenticateApp } from './authenticate.js';
import { RecentBatches } from './dedupe.js';
import { hash64, remembered } from './hash.js';
import { parseBatch, type RawBatch } from './parse.js';
import { toRow } from './rows.js';
import type { Salts } from './salts.js';
import type { Sessionizer } from './sessionize.js';
import { storeFault } from './store-fault.js';
import { parseUserAgent } from './user-agent.js';
import { clockOffset, type Rejection, validateBatch } from './validate.js';
import { visitorOf } from './visitor.js';

/** Session ids hashed lately (a session sends batch after batch). */
const sessionHash = remembered(hash64, 20_000);

export interface IngestRequest {
  body: unknown;
  keyFromQuery: string | null;
  address: string;
  userAgent: string;
}

export interface IngestResult {
  appId: number;
  accepted: number;
  rejected: Rejection[];
}

/**
 * The way an event travels: parse → authenticate app → a batch sent again gets its first answer
 * (dedupe) → validate against its contract → enrich (User-Agent to os/browser/device, visitor hash,
 * visit) → rows → durable append. Each step is a module of its own; a step that refuses throws an
 * HttpError (whole batch) or lists the event.
 */
export class IngestPipeline {
  private rejectionCounts = new Map<number, Map<string, number>>();
  private readonly recent = new RecentBatches();
  private readonly unstored: (err: unknown) => Error;

  constructor(
    private readonly deps: {
      config: Config;
      apps: AppRegistry;
      events: EventStore;
      meta: MetaStore;
      salts: Salts;
      sessions: Sessionizer;
      now: () => number;
    },
  ) {
    this.unstored = storeFault(deps.now);
  }

  /** Not async itself: `accept`'s promise is handed on as it is, with no second one around it. */
  ingest(req: IngestRequest): Promise<IngestResult> {
    const now = this.deps.now();
    let raw: RawBatch;
    let app: AppRecord;
    try {
      raw = parseBatch(req.body, req.keyFromQuery);
      app = authenticateApp(this.deps.apps, raw.key);
    } catch (err) {
      return Promise.reject(err);
    }
    return raw.id === undefined
      ? this.accept(app, raw, req, now)
      : this.recent.once(app.id, raw.id, () => this.accept(app, raw, req, now));
  }

  /** The steps after authentication, for a batch not seen before. */
  private async accept(
    app: AppRecord,
    raw: RawBatch,
    req: IngestRequest,
    now: number,
  ): Promise<IngestResult> {
    const { config, events, salts, sessions } = this.deps;
    const batch = validateBatch(
      app.contract,
      raw.context,
      raw.events,
      now,
      config.acceptDays,
      clockOffset(raw.sentAt, now),
    );
    this.countRejected(app.id, batch.rejected);
    if (!batch.events.length) return { appId: app.id, accepted: 0, rejected: batch.rejected };

    batch.events.sort((a, b) => a.event.ts - b.event.ts); // visits are assigned in time order
    const ctx = batch.context;
    const session = ctx.session ? sessionHash(`${app.id}:${ctx.session}`) : null;
    const agent = parseUserAgent(req.userAgent);
    const timestamps = batch.events.map((e) => e.event.ts);
    const visitor = visitorOf(
      {
        appId: app.id,
        contract: app.contract,
        machine: ctx.machine,
        address: req.address,
        userAgent: req.userAgent,
        session,
        firstTs: timestamps[0] as number,
        now,
      },
      salts,
      sessions,
    );
    const assigned = sessions.assign(app.id, visitor, session, timestamps);
    const visits = Array.isArray(assigned) ? assigned : await assigned; // see Sessionizer.assign
    const rows = batch.events.map((e, i) =>
      toRow(app.id, e.event, ctx, agent, { visitor, visit: visits[i] as bigint, session }),
    );
    try {
      await events.append(rows);
    } catch (err) {
      throw this.unstored(err);
    }
    return { appId: app.id, accepted: rows.length, rejected: batch.rejected };
  }

  private countRejected(appId: number, rejected: Rejection[]): void {
    if (!rejected.length) return;
    const counts = this.rejectionCounts.get(appId) ?? new Map<string, number>();
    for (const r of rejected) countRejection(counts, r.reason);
    this.rejectionCounts.set(appId, counts);
  }

  /**
   * Writes the rejection counters (called on an interval and at shutdown, off the hot path). Counts
   * that could not be written (the database failing) are kept for the next time, not dropped; an
   * app's counts are written in one statement, so none is written twice.
   */
  async flushRejections(): Promise<void> {
    const pending = [...this.rejectionCounts];
    this.rejectionCounts = new Map();
    for (let i = 0; i < pending.length; i++) {
      const [appId, counts] = pending[i] as [number, Map<string, number>];
      try {
        await this.deps.meta.countRejections(appId, counts);
      } catch (err) {
        for (const [id, left] of pending.slice(i)) {
          const into = this.rejectionCounts.get(id) ?? new Map<string, number>();
          for (const [reason, n] of left) countRejection(into, reason, n);
          this.rejectionCounts.set(id, into);
        }
        throw err;
      }
    }
  }
}
