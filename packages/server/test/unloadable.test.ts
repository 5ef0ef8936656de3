import { isUtf8 } from 'node:buffer';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { DuckDBEventStore } from '../src/store/duckdb/events.js';
import { encodeRow } from '../src/store/journal.js';
import { cleanup, tempDir } from './support/harness.js';
import { eventRow } from './support/rows.js';
import { closeStore, openStore } from './support/store.js';

const open = openStore;
const close = closeStore;
const paths = async (store: DuckDBEventStore) =>
  (await store.all<{ path: string }>('SELECT path FROM events ORDER BY ts')).map((r) => r.path);
const line = (over: Parameters<typeof eventRow>[0]) => Buffer.from(`${encodeRow(eventRow(over))}\n`);

/** Lines DuckDB refuses, none of which any build writes today: each would stop every load. */
const loneSurrogate = Buffer.from(
  `${encodeRow(eventRow({ ts: 2, path: '/a' }))}\n`.replace('"/a"', '"/a\\ud800b"'),
);
const withB = `${encodeRow(eventRow({ ts: 3, path: '/b' }))}\n`;
const cut = withB.indexOf('"/b"') + 3; // a byte that is no UTF-8 right after "/b
const invalidUtf8 = Buffer.concat([
  Buffer.from(withB.slice(0, cut)),
  Buffer.from([0xff]),
  Buffer.from(withB.slice(cut)),
]);
const notJson = Buffer.from('[1,1795800000004,"pageview","/c",nul\n');
const wrongShape = Buffer.from('[2,1795800000005,"pageview"]\n');
const wrongType = Buffer.from(`${encodeRow(eventRow({ ts: 6 }))}\n`.replace(/^\[1,/, '["one",'));

describe('a journal line DuckDB cannot load', () => {
  const dirs: string[] = [];
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => {
    for (const d of dirs) cleanup(d);
  });

  it('left from before a restart: the store opens, mends what is a row, sets the rest aside byte for byte, loads all else once', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await close(await open(dir)); // the tables
    const segment = join(dir, 'journal', '0000000042.log');
    const setAside = [notJson, wrongShape, wrongType];
    writeFileSync(
      segment,
      Buffer.concat([
        line({ ts: 1, path: '/first' }),
        loneSurrogate,
        invalidUtf8,
        ...setAside,
        line({ ts: 7, path: '/last' }),
      ]),
    );
    expect(isUtf8(invalidUtf8)).toBe(false); // the test's line is what it says
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});

    const s = await open(dir); // threw "Malformed JSON" before: no start, no query
    expect(await paths(s.store)).toEqual(['/first', '/a\ufffdb', '/b\ufffd', '/last']);
    const kept = join(dir, 'journal', 'unloadable', '0000000042.log');
    expect(readFileSync(kept)).toEqual(Buffer.concat(setAside));
    expect(log).toHaveBeenCalledTimes(1);
    const message = String(log.mock.calls[0]?.[0]);
    expect(message).toContain('2 mended');
    expect(message).toContain('3 set aside');
    expect(message).toContain('not JSON');
    expect(message).toContain('app_id is not a valid INTEGER');
    await close(s);

    const again = await open(dir); // nothing loaded twice, nothing set aside twice
    expect(await paths(again.store)).toEqual(['/first', '/a\ufffdb', '/b\ufffd', '/last']);
    expect(readFileSync(kept)).toEqual(Buffer.concat(setAside));
    expect(log).toHaveBeenCalledTimes(1);
    await close(again);
  });

  it('reaching a running store’s segment: the load that meets it mends it, reads and later loads go on', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const s = await open(dir);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    await s.store.append([eventRow({ ts: 1, path: '/before' })]);
    const journal = join(dir, 'journal');
    const current = readdirSync(journal)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .at(-1) as string;
    appendFileSync(join(journal, current), Buffer.concat([loneSurrogate, notJson])); // a damaged disk, say
    await s.store.append([eventRow({ ts: 8, path: '/after' })]);
    expect(await paths(s.store)).toEqual(['/before', '/a\ufffdb', '/after']);
    await s.store.append([eventRow({ ts: 9, path: '/later' })]);
    expect(await paths(s.store)).toEqual(['/before', '/a\ufffdb', '/after', '/later']);
    expect(readFileSync(join(journal, 'unloadable', current))).toEqual(notJson);
    expect(log).toHaveBeenCalledTimes(1);
    await close(s);
  });

  it('a load that fails for another reason rewrites nothing and stays failed until the cause is gone', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const s = await open(dir);
    await s.store.append([eventRow({ ts: 1, path: '/kept' })]);
    await s.store.all('SELECT 1');
    await s.db.writer.run('ALTER TABLE events RENAME TO events_away');
    await s.store.append([eventRow({ ts: 2, path: '/waits' })]);
    await expect(s.store.all('SELECT 1')).rejects.toThrow(/could not be loaded/);
    expect(existsSync(join(dir, 'journal', 'unloadable'))).toBe(false);
    await s.db.writer.run('ALTER TABLE events_away RENAME TO events');
    expect(await paths(s.store)).toEqual(['/kept', '/waits']);
    await close(s);
  });

  it('set aside, is erased with its app: an erasure of anything of app 1 takes its lines, not app 2’s', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await close(await open(dir));
    const noApp = Buffer.from('\u0001garbage\n');
    mkdirSync(join(dir, 'journal'), { recursive: true });
    writeFileSync(join(dir, 'journal', '0000000050.log'), Buffer.concat([notJson, wrongShape, noApp]));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const s = await open(dir);
    const kept = join(dir, 'journal', 'unloadable', '0000000050.log');
    expect(readFileSync(kept)).toEqual(Buffer.concat([notJson, wrongShape, noApp]));
    await s.store.deleteMachine(1, 'm-1'); // notJson is app 1's: its machine cannot be told, so it goes
    expect(readFileSync(kept)).toEqual(Buffer.concat([wrongShape, noApp]));
    await s.store.deleteBefore(2, 0);
    expect(readFileSync(kept)).toEqual(noApp);
    await close(s);
  });
});
