import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
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
    const alias = DB_FILE.replace(/\.duckdb$/, '');
    await conn.run(`ATTACH '${fresh.replaceAll("'", "''")}' AS compacted`);
    await conn.run(`COPY FROM DATABASE ${alias} TO compacted`);
    await conn.run('DETACH compacted');
    conn.closeSync();
  } finally {
    instance.closeSync();
  }
  // The copy is complete and on disk before it replaces the original, in one rename.
  const fd = openSync(fresh, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(fresh, path);
  rmSync(`${path}.wal`, { force: true }); // the original closed cleanly: nothing in it is unapplied
  const dir = openSync(dataDir, 'r');
  fsyncSync(dir);
  closeSync(dir);
  return { bytesBefore, bytesAfter: statSync(path).size };
}
