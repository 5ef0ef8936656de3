import { openDb } from '../../src/store/duckdb/db.js';
import { DuckDBEventStore } from '../../src/store/duckdb/events.js';

/** The DuckDB file and event store of a data folder, as a server opens them (recovery included). */
export async function openStore(dir: string) {
  const db = await openDb(dir);
  return { db, store: await DuckDBEventStore.open(db, dir) };
}

/** Closes what `openStore` opened: the store (its last load), then the database. */
export async function closeStore({ db, store }: Awaited<ReturnType<typeof openStore>>) {
  await store.close();
  db.writer.closeSync();
  db.instance.closeSync();
}
