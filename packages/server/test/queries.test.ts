import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakdown, buckets } from '../src/queries/breakdown.js';
import { errors } from '../src/queries/errors.js';
import { exportEvents } from '../src/queries/export.js';
import { overview } from '../src/queries/overview.js';
import { realtime } from '../src/queries/realtime.js';
import { parseScope } from '../src/queries/scope.js';
import { timeseries } from '../src/queries/timeseries.js';
import type { AppRecord, QueryScope } from '../src/store/types.js';
import { cleanup, clock, openPipeline, tempDir } from './support/harness.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 22, 12); // a Sunday noon UTC

const contract = {
  identifiers: { machine: true },
  events: {
    store_facts: {
      description: 'Facts about the store',
      props: {
        products: { type: 'integer', description: 'Products', min: 0 },
        regionNames: { type: 'string[]', description: 'Region names' },
        storeName: { type: 'string', description: 'Store name', privacy: 'pii' },
      },
    },
  },
} as const;

describe('query API modules', () => {
  const dir = tempDir();
  const c = clock(NOW);
  let p: Awaited<ReturnType<typeof openPipeline>>;
  let app: AppRecord;
  const scope = (over: Partial<QueryScope> = {}): QueryScope => ({
    appId: app.id,
    from: NOW - 48 * H,
    to: NOW + H,
    filters: [],
    tz: 'UTC',
    ...over,
  });

  beforeAll(async () => {
    p = await openPipeline(dir, c.now);
    app = await p.createApp('queries', contract as never);
    const send = async (machine: string, events: unknown[], extra: Record<string, unknown> = {}) => {
      const r = await p.send(app.key, events, {
        context: {
          machine,
          os: extra.os ?? 'linux',
          runtimeVersion: extra.node ?? '20.20.2',
          appVersion: '2.1.0',
        },
      });
      expect(r.rejected).toEqual([]);
    };
    // m1 reports 5 products, then 50 (latest counts); m2 reports 500; m3 runs on darwin with 20k products.
    // Visits: m1 2 (28 h apart), m2 3 (facts, then errors 1 h and 2 h later), m3 1.
    await send('m1', [
      {
        name: 'store_facts',
        ts: NOW - 30 * H,
        props: { products: 5, regionNames: ['EU', 'UK'], storeName: 'A' },
      },
    ]);
    await send('m1', [
      { name: 'store_facts', ts: NOW - 2 * H, props: { products: 50, regionNames: ['EU'], storeName: 'A' } },
    ]);
    await send('m2', [
      {
        name: 'store_facts',
        ts: NOW - 3 * H,
        props: { products: 500, regionNames: ['EU', 'US'], storeName: 'B' },
      },
    ]);
    await send(
      'm3',
      [
        {
          name: 'store_facts',
          ts: NOW - 60_000,
          props: { products: 20_000, regionNames: ['APAC'], storeName: 'C' },
        },
      ],
      { os: 'darwin', node: '22.21.0' },
    );
    await send('m2', [
      { name: 'error', ts: NOW - 2 * H, props: { message: 'Boom', source: '/admin/app.js' } },
      { name: 'error', ts: NOW - H, props: { message: 'Boom', source: '/admin/app.js' } },
      { name: 'error', ts: NOW - H, props: { message: 'Other' } },
    ]);
  });
  afterAll(async () => {
    await p.close();
    cleanup(dir);
  });

  it('breakdowns by column and by property, list properties unnested', async () => {
    expect(await breakdown(p.events, scope(), app.contract, 'os')).toEqual([
      { value: 'linux', visitors: 2, visits: 5, events: 6 },
      { value: 'darwin', visitors: 1, visits: 1, events: 1 },
    ]);
    expect(
      (await breakdown(p.events, scope(), app.contract, 'runtimeVersion')).map((r) => [r.value, r.visitors]),
    ).toEqual([
      ['20.20.2', 2],
      ['22.21.0', 1],
    ]);
    const regions = await breakdown(p.events, scope(), app.contract, 'prop:regionNames');
    expect(regions.find((r) => r.value === 'EU')).toMatchObject({ visitors: 2, events: 3 });
    expect(regions.map((r) => r.value).sort()).toEqual(['APAC', 'EU', 'UK', 'US']);
  });

  it('numeric properties as buckets, counting each visitor’s latest value', async () => {
    expect(await buckets(p.events, scope(), app.contract, 'prop:products')).toEqual([
      { bucket: '0', visitors: 0 },
      { bucket: '1–9', visitors: 0 },
      { bucket: '10–99', visitors: 1 },
      { bucket: '100–999', visitors: 1 },
      { bucket: '1k–9.9k', visitors: 0 },
      { bucket: '10k+', visitors: 1 },
    ]);
  });

  it('filters restrict every figure to events having the value', async () => {
    const o = await overview(
      p.events,
      scope({ filters: [{ dimension: 'os', value: 'darwin' }] }),
      app.contract,
    );
    expect(o).toMatchObject({ visitors: 1, events: 1 });
    const byRegion = await overview(
      p.events,
      scope({ filters: [{ dimension: 'prop:regionNames', value: 'US' }] }),
      app.contract,
    );
    expect(byRegion).toMatchObject({ visitors: 1, events: 1 });
  });

  it('timeseries per day in a time zone, empty days filled', async () => {
    const rows = await timeseries(p.events, scope({ tz: 'America/New_York' }), app.contract, 'day');
    // 48 h back from Sunday noon UTC, in New York: Friday, Saturday, Sunday.
    expect(rows.map((r) => new Date(r.t).toISOString())).toEqual([
      '2026-11-20T05:00:00.000Z',
      '2026-11-21T05:00:00.000Z',
      '2026-11-22T05:00:00.000Z',
    ]);
    expect(rows.map((r) => r.visitors)).toEqual([0, 1, 3]);
    const hours = await timeseries(p.events, scope({ from: NOW - 3 * H, to: NOW }), app.contract, 'hour');
    expect(hours).toHaveLength(3);
    expect(hours.map((h) => h.visitors)).toEqual([1, 2, 2]);
  });

  it('errors grouped by message with counts and first/last seen', async () => {
    expect(await errors(p.events, scope(), app.contract)).toEqual([
      {
        message: 'Boom',
        source: '/admin/app.js',
        count: 2,
        visitors: 1,
        firstSeen: NOW - 2 * H,
        lastSeen: NOW - H,
      },
      { message: 'Other', source: null, count: 1, visitors: 1, firstSeen: NOW - H, lastSeen: NOW - H },
    ]);
  });

  it('realtime: visitors of the last 5 minutes and per minute', async () => {
    const r = await realtime(p.events, app.id, NOW);
    expect(r.active).toBe(1);
    expect(r.perMinute).toHaveLength(30);
    expect(r.perMinute.reduce((s, m) => s + m.visitors, 0)).toBe(1);
  });

  it('export as CSV and Parquet with one row per event of the range', async () => {
    const csv = await exportEvents(p.events, scope(), app.contract, 'csv');
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('name,path');
    expect(lines).toHaveLength(1 + 7);
    const parquet = await exportEvents(
      p.events,
      scope({ filters: [{ dimension: 'event', value: 'error' }] }),
      app.contract,
      'parquet',
    );
    const [row] = await p.events.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${parquet}')`);
    expect(Number(row?.n)).toBe(3);
    rmSync(csv);
    rmSync(parquet);
  });

  it('export inlines filter values as literals that stay literals: no value is read as SQL', async () => {
    // COPY takes no parameters. A value holding "$4" once had $4's literal put inside its own, so
    // a crafted $4 became SQL: here "OR 1=1", exporting every app's events (or a syntax error).
    const other = await p.createApp('another app', contract as never);
    await p.send(other.key, [{ name: 'store_facts', ts: NOW - H, props: { products: 1 } }], {
      context: { machine: 'x', os: 'linux' },
    });
    const crafted = [
      { dimension: 'os', value: 'OR 1=1 OR os = ' },
      { dimension: 'os', value: 'A$4' },
    ];
    const csv = await exportEvents(p.events, scope({ filters: crafted }), app.contract, 'csv');
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(1); // the header: no os is "A$4"
    rmSync(csv);
    const quoted = await exportEvents(
      p.events,
      scope({
        filters: [
          { dimension: 'os', value: "it's" },
          { dimension: 'locale', value: '$4' },
        ],
      }),
      app.contract,
      'csv',
    );
    expect(readFileSync(quoted, 'utf8').trim().split('\n')).toHaveLength(1);
    rmSync(quoted);
    // A NUL once cut the statement short (a 500); it is a character like any other.
    await p.send(other.key, [{ name: 'pageview', path: '/nul' }], { context: { os: 'a\u0000b' } });
    const nul = await exportEvents(
      p.events,
      { ...scope({ filters: [{ dimension: 'os', value: 'a\u0000b' }] }), appId: other.id },
      null,
      'csv',
    );
    expect(readFileSync(nul, 'utf8').trim().split('\n')).toHaveLength(2);
    rmSync(nul);
  });

  it('scope parsing refuses bad ranges, time zones and filters with a clear error', () => {
    const q = (s: string) => () => parseScope(1, new URLSearchParams(s));
    expect(q('from=10&to=5')).toThrow('from must be before to');
    expect(q('from=abc')).toThrow('ISO 8601');
    // Date.parse takes these too ('-1' as 2001); a time past Date's range made the zone step a 500
    for (const bad of [
      'from=-1',
      'from=2/3',
      'from=Nov%2028%202026',
      'to=99999999999999999999',
      'to=253402300800000',
    ])
      expect(q(bad), bad).toThrow('from 1970 to the year 9999');
    expect(parseScope(1, new URLSearchParams('from=2026-11-28&to=2026-11-29T00:00:00.000%2B01:00')).to).toBe(
      Date.UTC(2026, 10, 28, 23),
    );
    expect(q("tz=x';drop")).toThrow('IANA');
    expect(q('tz=Not/AZone')).toThrow('unknown time zone Not/AZone'); // not ignored by the overview
    expect(q('filter=nocolon')).toThrow('dimension:value');
    expect(
      parseScope(1, new URLSearchParams('from=2026-01-01T00:00:00Z&to=1767312000000&filter=prop:a:b:c'))
        .filters,
    ).toEqual([{ dimension: 'prop:a', value: 'b:c' }]);
  });
});
