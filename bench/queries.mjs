// Query latency at 10 million events over 30 days (median of 5 runs each) and bytes per event on disk.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../packages/server/dist/config.js';
import { breakdown, buckets } from '../packages/server/dist/queries/breakdown.js';
import { errors } from '../packages/server/dist/queries/errors.js';
import { overview } from '../packages/server/dist/queries/overview.js';
import { pages } from '../packages/server/dist/queries/pages.js';
import { realtime } from '../packages/server/dist/queries/realtime.js';
import { timeseries } from '../packages/server/dist/queries/timeseries.js';
import { openDb } from '../packages/server/dist/store/duckdb/db.js';
import { DuckDBEventStore } from '../packages/server/dist/store/duckdb/events.js';
import { median, report } from './lib.mjs';

const N = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'tally-bench-q-'));
const db = await openDb(dir);
const store = await DuckDBEventStore.open(db, dir);
const end = Date.now();
const start = end - 30 * DAY;

// Generated in SQL so 10M rows take seconds: visits of 6 events (5 pageviews and a pageleave) 40 s
// apart, 3 visits per visitor, in time order as ingest would append them; 40 paths, realistic
// os/browser/locale/screen/version mixes; one event in 50 carries a property, one in 500 is an error.
const t0 = performance.now();
await db.writer.run(`
  INSERT INTO events
  SELECT 1, ${start} + (i // 6) * ${Math.floor((30 * DAY) / (N / 6))} + (i % 6) * 40000,
    CASE WHEN i % 6 = 5 THEN 'pageleave' WHEN i % 500 = 1 THEN 'error' ELSE 'pageview' END,
    '/section-' || (hash(i // 2) % 40)::VARCHAR,
    CASE WHEN i % 6 = 5 THEN (hash(i) % 600000)::INTEGER ELSE NULL END,
    (hash((i // 6) // 3) >> 1)::BIGINT, (hash(i // 6) >> 1)::BIGINT, (hash(i // 6) >> 1)::BIGINT,
    ['Linux', 'Windows', 'macOS'][1 + (hash((i // 6) // 3) % 3)::BIGINT],
    ['6.1', '10', '14.5'][1 + (hash((i // 6) // 3) % 3)::BIGINT],
    ['Chrome', 'Firefox', 'Safari', 'Microsoft Edge'][1 + (hash((i // 6) // 3 + 1) % 4)::BIGINT],
    'desktop', NULL, NULL, NULL,
    ['0.24.1', '0.25.0', '0.26.0'][1 + least(2, (i * 3) // ${N})::BIGINT],
    ['en-US', 'de-DE', 'fr-FR', 'es-ES', 'ja-JP', 'zh-CN'][1 + (hash((i // 6) // 3 + 2) % 6)::BIGINT],
    ['1920x1080', '2560x1440', '1366x768', '3840x2160'][1 + (hash((i // 6) // 3 + 3) % 4)::BIGINT],
    NULL, NULL, NULL, NULL,
    CASE WHEN i % 50 = 0 THEN '{"products":' || (hash(i) % 5000)::VARCHAR || '}'
         WHEN i % 500 = 1 THEN '{"message":"TypeError: x' || (hash(i) % 30)::VARCHAR || ' is undefined","source":"/assets/app.js"}'
         ELSE NULL END
  FROM range(${N}) t(i)`);
await db.writer.run('CHECKPOINT');
const loadSeconds = (performance.now() - t0) / 1000;
const bytesPerEvent = statSync(db.path).size / N;

const scope = { appId: 1, from: start, to: end + 1, filters: [], tz: 'UTC' };
const time = async (fn) => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await fn();
    runs.push(performance.now() - s);
  }
  return Math.round(median(runs));
};
const result = {
  events: N,
  loadSeconds: Math.round(loadSeconds * 10) / 10,
  bytesPerEvent: Math.round(bytesPerEvent * 10) / 10,
  bytesTarget: 30,
  medianMs: {
    overview: await time(() => overview(store, scope, null)),
    pages: await time(() => pages(store, scope, null)),
    // As the server answers by default: above TALLY_SAMPLE_ABOVE page views, from a sample of visitors.
    pagesAsServed: await time(() => pages(store, scope, null, 100, loadConfig({}, {}).sampleAbove)),
    breakdownOs: await time(() => breakdown(store, scope, null, 'os')),
    timeseriesDay: await time(() => timeseries(store, scope, null, 'day')),
    overview7Days: await time(() => overview(store, { ...scope, from: end - 7 * DAY }, null)),
    // The other panels of the dashboard: a language breakdown, a contract property as values and as
    // a bucket distribution, realtime and errors.
    breakdownLocale: await time(() => breakdown(store, scope, null, 'locale')),
    breakdownProp: await time(() => breakdown(store, scope, null, 'prop:products')),
    bucketsProp: await time(() => buckets(store, scope, null, 'prop:products')),
    realtime: await time(() => realtime(store, 1, end)),
    errors: await time(() => errors(store, scope, null)),
  },
  targetMs: 500,
  pagesAsServedSample: (await pages(store, scope, null, 1, loadConfig({}, {}).sampleAbove))[0]?.sample ?? 1,
};
// A backup (GET /api/backup) of the whole store: how long the snapshot copy takes and its size.
const backupFile = join(dir, 'backup.duckdb');
const b0 = performance.now();
await store.backupTo(backupFile);
result.backup = {
  seconds: Math.round((performance.now() - b0) / 100) / 10,
  bytesPerEvent: Math.round((statSync(backupFile).size / N) * 10) / 10,
};
report('queries', result);
await store.close();
db.writer.closeSync();
db.instance.closeSync();
rmSync(dir, { recursive: true, force: true });
