import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { replaceDurably } from '../durable.js';
import { copyDatabase } from './copy.js';
import { DB_FILE } from './db.js';

/**
 * Rewrites the DuckDB file with only its live rows. A DELETE (an erasure request, retention) hides
 * rows at once, but DuckDB keeps their bytes in the file until the space is reused; a copy of the
 * database into a new file leaves them behind for good. Run with the server stopped (DuckDB locks
 * the file). The journal is not touched: what waits there loads at the next start.
 */
export async function compactDatabase(dataDir: string): Promise<{ bytesBefore: number; bytesAfter: number }> {
  const path = join(dataDir, DB_FILE);
  if (!existsSync(path)) throw new Error(`no database at ${path}`);
  const fresh = join(dataDir, `${DB_FILE}.compact`);
  for (const f of [fresh, `${fresh}.wal`]) rmSync(f, { force: true });
  const bytesBefore = statSync(path).size;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path);
  } catch (err) {
    throw new Error(
      `cannot open ${path} (is the server still running? stop it first): ${(err as Error).message}`,
    );
  }
  try {
    const conn = await instance.connect();
    await copyDatabase(conn, fresh);
    conn.closeSync();
  } finally {
    instance.closeSync();
  }
  await replaceDurably(fresh, path);
  rmSync(`${path}.wal`, { force: true }); // the original closed cleanly: nothing in it is unapplied
  return { bytesBefore, bytesAfter: statSync(path).size };
}
