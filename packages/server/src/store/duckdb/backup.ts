import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { replaceDurably } from '../durable.js';
import { segmentsAmong } from '../journal.js';
import { serial } from '../serial.js';
import type { EventStore } from '../types.js';
import { DB_FILE } from './db.js';

/**
 * Backups are made in the data folder (where the database's room is, unlike a small /tmp), in a
 * folder of their own that the next backup clears: a crash mid-download leaves nothing for good.
 */
const BACKUP_DIR = 'backup-in-progress';

/** One backup at a time, made and sent: the next one clears the folder. */
const oneAtATime = serial();

/** Removes what a backup cut short by a crash left (the size of the database, maybe): at start. */
export const removeUnfinishedBackup = (dataDir: string) =>
  rmSync(join(dataDir, BACKUP_DIR), { recursive: true, force: true });

/**
 * Makes a backup of the store (every event acknowledged before the call; apps, users and tokens)
 * and hands its path to `send`; the file is removed once `send` is done, sent or not. The visitor
 * salts are not in it: they live beside the database, never in it, and are destroyed within 48 hours.
 */
export function withBackup(events: EventStore, dataDir: string, send: (file: string) => Promise<void>) {
  return oneAtATime(async () => {
    const dir = join(dataDir, BACKUP_DIR);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const file = join(dir, DB_FILE);
    try {
      await events.backupTo(file);
      await send(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/** What a backup holds, read without changing it; throws when the file is not a Tally backup. */
async function backupFacts(file: string): Promise<{ apps: number; events: number; journalSegment: number }> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  } catch (err) {
    throw new Error(`${file} is not a Tally backup (DuckDB cannot open it: ${(err as Error).message})`);
  }
  try {
    const conn = await instance.connect();
    try {
      const count = async (sql: string) => {
        try {
          return Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
        } catch (err) {
          throw new Error(`${file} is not a Tally backup (${(err as Error).message.split('\n')[0]})`);
        }
      };
      return {
        apps: await count('SELECT count(*) FROM apps'),
        events: await count('SELECT count(*) FROM events'),
        journalSegment: await count('SELECT coalesce(max(segment), 0) FROM journal_state'),
      };
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Puts a backup in place as the database of `dataDir`, with the server stopped. Refuses a folder
 * that has a database already, and a file that is not a backup, changing nothing. Journal segments
 * in the folder from where the backup's loads stopped on load on top at the next start: events the
 * backup lacks that are still there to be had (the older ones it holds are skipped).
 */
export async function restoreBackup(
  file: string,
  dataDir: string,
): Promise<{ apps: number; events: number; journalSegmentsToLoad: number }> {
  const path = join(dataDir, DB_FILE);
  // A write-ahead log left without its database would be replayed onto the backup's: refused too.
  for (const f of [path, `${path}.wal`])
    if (existsSync(f))
      throw new Error(
        `${f} exists: restore into an empty TALLY_DATA_DIR, or move the database and its .wal away first`,
      );
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  const facts = await backupFacts(file);
  mkdirSync(dataDir, { recursive: true });
  const temp = `${path}.restoring`;
  rmSync(temp, { force: true });
  copyFileSync(file, temp);
  await replaceDurably(temp, path);
  const journal = join(dataDir, 'journal');
  const journalSegmentsToLoad = existsSync(journal)
    ? segmentsAmong(readdirSync(journal)).filter((n) => n >= facts.journalSegment).length
    : 0;
  return { apps: facts.apps, events: facts.events, journalSegmentsToLoad };
}
