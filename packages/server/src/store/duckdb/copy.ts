import type { DuckDBConnection } from '@duckdb/node-api';
import { DB_FILE, sqlString } from './db.js';

/** The name DuckDB gives the database in TALLY_DATA_DIR (after its file name). */
const DB_ALIAS = DB_FILE.replace(/\.duckdb$/, '');

/**
 * Copies the whole database open on `conn` (tables, their rows, sequences where they stand) into a
 * new DuckDB file at `into`, which must not exist. It reads one snapshot: loads may go on meanwhile.
 * `run` executes a statement (the caller's way: see `runStarted`). Detaching writes the copy out in
 * full; it is not yet durable (see store/durable.ts).
 */
export async function copyDatabase(
  conn: DuckDBConnection,
  into: string,
  run: (sql: string) => Promise<unknown> = (sql) => conn.run(sql),
): Promise<void> {
  // ATTACH names are shared by every connection of the instance: each copy takes a name of its own.
  const alias = `copy_${process.hrtime.bigint()}`;
  await conn.run(`ATTACH ${sqlString(into)} AS ${alias}`);
  try {
    await run(`COPY FROM DATABASE ${DB_ALIAS} TO ${alias}`);
  } finally {
    await conn.run(`DETACH ${alias}`);
  }
}
