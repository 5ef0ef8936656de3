import type { Contract } from '@tally/contract';

/** One event as stored: no client address, no raw User-Agent, identifiers only where the contract allows. */
export interface EventRow {
  appId: number;
  ts: number; // ms since epoch
  name: string;
  path: string | null;
  durationMs: number | null;
  visitor: bigint; // 64-bit hash (salted daily, or of the machine id when the contract allows it)
  visit: bigint; // 64-bit visit id assigned at ingest
  session: bigint | null; // 64-bit hash of the SDK's session id
  os: string | null;
  osVersion: string | null;
  browser: string | null;
  device: string | null;
  arch: string | null;
  runtime: string | null;
  runtimeVersion: string | null;
  appVersion: string | null;
  locale: string | null;
  screen: string | null;
  ci: boolean | null;
  docker: boolean | null;
  machine: string | null;
  project: string | null;
  props: string | null; // JSON object text
}

/** A query's scope: one app, [from, to) in ms, optional filters `dimension:value`. */
export interface QueryScope {
  appId: number;
  from: number;
  to: number;
  filters: Array<{ dimension: string; value: string }>;
  tz: string;
}

/** Seconds a client is asked to wait (Retry-After) before trying a store that failed again. */
export const STORE_RETRY_AFTER = '5';

/**
 * A read or erasure that could not run because the store could not take in the events acknowledged
 * before it (a full disk, a failing database). Those events stay durable in the journal and load
 * once the store can; until then such requests fail with this (503), not with a count that is short.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('recent events could not be loaded into the store; try again later (the server log says why)', {
      cause,
    });
  }
}

/** Where events live: DuckDB embedded, ClickHouse scaled out. Append is durable when it resolves. */
export interface EventStore {
  append(rows: EventRow[]): Promise<void>;
  /** Runs a read-only SQL query of the store's dialect with positional parameters. */
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Latest known state of recent visits, to continue visits across a restart. */
  recentVisits(sinceMs: number): Promise<VisitState[]>;
  /** Visits of one visitor around a time (late events older than the in-memory window). */
  visitsNear(appId: number, visitor: bigint, fromMs: number, toMs: number): Promise<VisitState[]>;
  deleteApp(appId: number): Promise<number>;
  deleteMachine(appId: number, machine: string): Promise<number>;
  deleteBefore(appId: number, ts: number): Promise<number>;
  /**
   * Writes a consistent copy of the store to a new file at `file`, holding every event acknowledged
   * before the call. Embedded, that is the one DuckDB file: apps, users and tokens too.
   */
  backupTo(file: string): Promise<void>;
  /** How ingest and loading fare now, for /api/health. */
  health(): StoreHealth;
  close(): Promise<void>;
}

export interface StoreHealth {
  /** Since when batches cannot be made durable (ms since the epoch; they get 503), or null. */
  writesFailingSince: number | null;
  /** Since when loads fail (reads that need the waiting events get 503), or null. */
  loadsFailingSince: number | null;
}

export interface VisitState {
  appId: number;
  visitor: bigint;
  visit: bigint;
  session: bigint | null;
  first: number;
  last: number;
}

export interface AppRecord {
  id: number;
  name: string;
  key: string;
  contract: Contract;
  retentionDays: number | null;
  disabled: boolean;
  createdAt: number;
}

export type Role = 'owner' | 'viewer';

export interface UserRecord {
  id: number;
  email: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
}

/** Users, apps, keys, tokens, sessions, share links, counters: DuckDB embedded, PostgreSQL scaled out. */
export interface MetaStore {
  listApps(): Promise<AppRecord[]>;
  appByKey(key: string): Promise<AppRecord | null>;
  appById(id: number): Promise<AppRecord | null>;
  createApp(input: { name: string; contract: Contract; key: string }): Promise<AppRecord>;
  updateApp(
    id: number,
    patch: Partial<Pick<AppRecord, 'name' | 'contract' | 'retentionDays' | 'disabled'>>,
  ): Promise<void>;
  deleteApp(id: number): Promise<void>;
  /** Adds to the per-app, per-reason count of rejected events. */
  countRejections(appId: number, counts: Map<string, number>): Promise<void>;
  rejections(appId: number): Promise<Array<{ reason: string; count: number }>>;
  /** A small key-value table for settings the server keeps (e.g. setup token hash). */
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string | null): Promise<void>;
  /** Raw access for the auth module's tables (users, sessions, tokens, shares). */
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}
