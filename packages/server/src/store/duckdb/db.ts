import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface Db {
  instance: DuckDBInstance;
  /** Used by the single writer (group commit); never shared with reads. */
  writer: DuckDBConnection;
  path: string;
}

/** Opens (or creates) the one DuckDB file that holds everything in the embedded mode. */
export async function openDb(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'tally.duckdb');
  const instance = await DuckDBInstance.create(path, { threads: '2' });
  const writer = await instance.connect();
  return { instance, writer, path };
}

/** Reads rows as plain JS objects (BIGINT stays bigint; cast in SQL where a number is wanted). */
export async function readAll<T>(conn: DuckDBConnection, sql: string, params: unknown[] = []): Promise<T[]> {
  // biome-ignore lint/suspicious/noExplicitAny: parameters are DuckDB values checked by the engine
  const reader = await conn.runAndReadAll(sql, params as any);
  return reader.getRowObjectsJS() as T[];
}

/** A read on a connection of its own, so concurrent dashboard panels run side by side. */
export async function readFresh<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  const conn = await db.instance.connect();
  try {
    return await readAll<T>(conn, sql, params);
  } finally {
    conn.closeSync();
  }
}
