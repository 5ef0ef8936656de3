import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compactDatabase } from '../src/store/duckdb/compact.js';
import { cleanup, clock, openPipeline, tempDir } from './support/harness.js';
import { CLI, killHard, spawnServer } from './support/spawn.js';

const filesUnder = (d: string): string[] =>
  readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
const holding = (dir: string, text: string) => filesUnder(dir).filter((f) => readFileSync(f).includes(text));

const cli = (args: string[], dataDir: string) =>
  new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, TALLY_DATA_DIR: dataDir } },
      (err, so, se) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${so}${se}` }),
    ),
  );

/**
 * An erasure request hides a machine's events at once; `tally compact` (server stopped) rewrites the
 * file so their bytes leave the disk too, and everything else carries on as before.
 */
describe('tally compact', () => {
  const dir = tempDir();
  afterAll(() => cleanup(dir));
  const MACHINE = 'erase-me-5f3c9a7e-0d4b-4c1e-9a8f-1b2c3d4e5f60';

  it('leaves no byte of an erased machine id in the data folder, and keeps everything else', async () => {
    const now = Date.now();
    const c = clock(now);
    let p = await openPipeline(dir, c.now);
    const { id, key } = await p.createApp('erase', { app: 'erase', identifiers: { machine: true } });
    for (let i = 0; i < 50; i++) {
      const machine = i % 5 === 0 ? MACHINE : `other-${i}`;
      await p.send(key, [{ name: 'pageview', ts: now - i * 1000, path: `/p${i}` }], { context: { machine } });
    }
    expect(await p.events.deleteMachine(id, MACHINE)).toBe(10);
    await p.close();

    await compactDatabase(dir);
    expect(holding(dir, MACHINE)).toEqual([]);

    p = await openPipeline(dir, c.now);
    try {
      const [row] = await p.events.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM events WHERE app_id = ${id}`,
      );
      expect(Number(row?.n)).toBe(40);
      const next = await p.createApp('after'); // ids go on from where they were
      expect(next.id).toBe(id + 1);
      expect((await p.send(key, [{ name: 'pageview', ts: now, path: '/again' }])).accepted).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('refuses while a server holds the database, and leaves no half-made copy', async () => {
    const server = await spawnServer(dir);
    try {
      const r = await cli(['compact'], dir);
      expect(r.code).toBe(1);
      expect(r.out).toContain('stop it first');
      expect(existsSync(join(dir, 'tally.duckdb.compact'))).toBe(false);
    } finally {
      await killHard(server.child);
    }
  });

  it('runs from the command line', async () => {
    const r = await cli(['compact'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Compacted .+: [\d.]+ MB -> [\d.]+ MB/);
  });
});
