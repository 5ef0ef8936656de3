import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type Db, openDb, readFresh, runStarted } from '../src/store/duckdb/db.js';
import { cleanup, tempDir } from './support/harness.js';
import { CLI } from './support/spawn.js';

/** A query that keeps DuckDB busy for a while (a second or so on two cores). */
const HEAVY = 'SELECT sum(hash(i)) AS s FROM range(150000000) t(i)';

async function open(threads: number, memory?: string) {
  const dir = tempDir();
  return { dir, db: await openDb(dir, threads, memory) };
}
const close = ({ dir, db }: { dir: string; db: Db }) => {
  db.writer.closeSync();
  db.instance.closeSync();
  cleanup(dir);
};

describe('queries run on DuckDB’s worker threads, the caller only looks in', () => {
  const opened: Array<{ dir: string; db: Db }> = [];
  afterAll(() => {
    for (const o of opened) close(o);
  });

  it('gives the same rows as a database whose caller executes everything (threads = 1)', async () => {
    const sql = 'SELECT i, i * 2 AS twice, hash(i) AS h FROM range(5000) t(i) ORDER BY i';
    const polled = await open(3);
    const direct = await open(1);
    opened.push(polled, direct);
    const a = await readFresh(polled.db, sql);
    expect(a).toHaveLength(5000);
    expect(a).toEqual(await readFresh(direct.db, sql));
  });

  it('reports an error found while executing, with DuckDB’s message, and the connection goes on', async () => {
    const o = await open(3);
    opened.push(o);
    await runStarted(o.db, o.db.writer, 'CREATE TABLE t (v VARCHAR)');
    await runStarted(o.db, o.db.writer, "INSERT INTO t VALUES ('1'), ('x')");
    await expect(readFresh(o.db, 'SELECT CAST(v AS INTEGER) AS n FROM t')).rejects.toThrow(
      /Conversion|convert/i,
    );
    await expect(runStarted(o.db, o.db.writer, 'SELECT * FROM no_such_table')).rejects.toThrow(
      /no_such_table/,
    );
    expect(await readFresh(o.db, 'SELECT count(*)::INTEGER AS n FROM t')).toEqual([{ n: 2 }]);
  });

  // libuv has four threads for file work and for starting queries. A query that held one for its
  // whole run (as DuckDB's own run does, busy-waiting) would leave the journal's durable writes
  // queued behind four dashboard panels. With threads = 1 (the caller executes) this test is red.
  it('leaves libuv’s threads free while queries run: file work goes on meanwhile', async () => {
    const o = await open(3);
    opened.push(o);
    let queriesDone = 0;
    const queries = Array.from({ length: 4 }, () =>
      readFresh(o.db, HEAVY).then(() => {
        queriesDone++;
      }),
    );
    await new Promise((r) => setTimeout(r, 50)); // the four have started
    writeFileSync(join(o.dir, 'probe'), 'x');
    expect(await readFile(join(o.dir, 'probe'), 'utf8')).toBe('x');
    expect(queriesDone).toBe(0);
    await Promise.all(queries);
  }, 60_000);
});

describe('TALLY_DB_MEMORY', () => {
  it('takes a size with its unit, and refuses anything else with a message that names it', () => {
    expect(loadConfig({}, { TALLY_DB_MEMORY: '512MB' }).dbMemory).toBe('512MB');
    expect(loadConfig({}, { TALLY_DB_MEMORY: ' 1.5GiB ' }).dbMemory).toBe('1.5GiB');
    expect(loadConfig({}, {}).dbMemory).toBeUndefined();
    for (const bad of ['lots', '512', '-1GB', '1 GB; DROP TABLE events'])
      expect(() => loadConfig({}, { TALLY_DB_MEMORY: bad })).toThrow(/TALLY_DB_MEMORY must be a size/);
  });

  it('is the limit DuckDB works within', async () => {
    const o = await open(3, '256MB');
    try {
      const [row] = await readFresh<{ limit: string }>(
        o.db,
        "SELECT current_setting('memory_limit') AS limit",
      );
      expect(row?.limit).toMatch(/^244(\.\d+)? MiB$/); // 256,000,000 bytes
    } finally {
      close(o);
    }
  });

  it('stops `tally serve` at once with that message, before any file is written', () => {
    const dir = join(tempDir(), 'data');
    try {
      const r = spawnSync(process.execPath, [CLI, 'serve'], {
        env: { ...process.env, TALLY_DATA_DIR: dir, TALLY_PORT: '0', TALLY_DB_MEMORY: 'lots' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('tally: TALLY_DB_MEMORY must be a size such as 512MB or 2GB, not "lots"');
      expect(existsSync(dir)).toBe(false);
    } finally {
      cleanup(join(dir, '..'));
    }
  });
});
