import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractInput } from '@tally/contract';
import { AppRegistry } from '../../src/apps.js';
import { loadConfig } from '../../src/config.js';
import { IngestPipeline } from '../../src/ingest/pipeline.js';
import { Salts } from '../../src/ingest/salts.js';
import { Sessionizer } from '../../src/ingest/sessionize.js';
import { openDb } from '../../src/store/duckdb/db.js';
import { DuckDBEventStore } from '../../src/store/duckdb/events.js';
import { DuckDBMetaStore } from '../../src/store/duckdb/meta.js';
import { startTally, type Tally } from '../../src/tally.js';

export const tempDir = (prefix = 'tally-test-') => mkdtempSync(join(tmpdir(), prefix));

/** A whole server in a folder of its own, with an admin; `stop` ends it and removes the folder. */
export async function serveTally(): Promise<{ tally: Tally; stop: () => Promise<void> }> {
  const dir = tempDir();
  const tally = await startTally({
    dataDir: dir,
    port: 0,
    adminEmail: 'a@example.com',
    adminPassword: 'pw-long-enough',
  });
  return {
    tally,
    stop: async () => {
      await tally.close();
      cleanup(dir);
    },
  };
}

/** Options of a server under test whose flood limits never get in the way (the tests send bursts). */
export const NO_FLOOD_LIMITS = { port: 0, ratePerAddress: 1e6, ratePerApp: 1e6 } as const;

/** How many events the server has stored (a read loads the acknowledged ones waiting first). */
export async function storedEvents(tally: Tally): Promise<number> {
  const [r] = await tally.services.events.all<{ n: bigint }>('SELECT count(*) AS n FROM events');
  return Number(r?.n);
}

/** A settable clock, so tests can cross midnight or restart "later" without waiting. */
export function clock(start: number) {
  let t = start;
  return { now: () => t, set: (v: number) => (t = v), advance: (ms: number) => (t += ms) };
}

/**
 * The real ingest pipeline and stores over a DuckDB file in `dir`, without HTTP. `reopen` after
 * `close` on the same dir is a server restart.
 */
export async function openPipeline(dir: string, now: () => number) {
  const config = loadConfig({ dataDir: dir }, {});
  const db = await openDb(dir);
  const meta = await DuckDBMetaStore.open(db);
  const events = await DuckDBEventStore.open(db, config.dataDir);
  const apps = new AppRegistry(meta);
  await apps.load();
  const sessions = new Sessionizer(events, now);
  await sessions.warm();
  const ingest = new IngestPipeline({ config, apps, events, meta, salts: new Salts(dir), sessions, now });
  return {
    config,
    db,
    meta,
    events,
    apps,
    ingest,
    sessions,
    async createApp(name: string, contract?: ContractInput) {
      return apps.create(name, contract);
    },
    /** Sends one batch as a client at `address` with `ua`. */
    send(
      key: string,
      events: unknown[],
      opts: { address?: string; ua?: string; context?: unknown; sentAt?: unknown } = {},
    ) {
      return ingest.ingest({
        body: {
          app: key,
          context: opts.context,
          events,
          ...('sentAt' in opts ? { sentAt: opts.sentAt } : {}),
        },
        keyFromQuery: null,
        address: opts.address ?? '203.0.113.7',
        userAgent: opts.ua ?? 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36',
      });
    },
    async close() {
      await ingest.flushRejections();
      await events.close();
      await meta.close();
      db.writer.closeSync();
      db.instance.closeSync();
    },
  };
}

export const cleanup = (dir: string) => rmSync(dir, { recursive: true, force: true });
