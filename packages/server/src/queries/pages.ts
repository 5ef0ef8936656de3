import type { Contract } from '@tally/contract';
import type { EventStore, QueryScope } from '../store/types.js';
import { visitsSql } from './overview.js';
import { num, Sql } from './scope.js';

export interface PageRow {
  path: string;
  visitors: number;
  visits: number;
  views: number;
  bounceRate: number | null;
  visitDuration: number | null;
  timeOnPage: number | null;
  /**
   * Only on estimates: the share of visitors the figures were computed from (1/2, 1/4, …), when the
   * range holds more page views than `sampleAbove`. Counts are scaled up; rates and durations are
   * the sample's.
   */
  sample?: number;
}

/** Sample no more than this many visitor groups: 1 in 1024 is the coarsest estimate. */
const MAX_EVERY = 1024;

/**
 * 1 for exact figures, else the power of two m such that 1 in m visitors brings the range's page
 * views to at most `sampleAbove` (a visitor is in the sample when its hash is a multiple of m).
 */
async function sampleEvery(store: EventStore, where: string, params: unknown[], sampleAbove: number) {
  if (!(sampleAbove > 0)) return 1;
  const [row] = await store.all<{ n: bigint }>(
    `SELECT count(*) AS n FROM events WHERE ${where} AND name = 'pageview'`,
    params,
  );
  const n = Number(row?.n ?? 0);
  let every = 1;
  while (n / every > sampleAbove && every < MAX_EVERY) every *= 2;
  return every;
}

/**
 * The pages table (METRICS.md): one row per path with a pageview, by views then visitors. Exact up
 * to `sampleAbove` page views in the range (0: always); above, estimated from a sample of visitors,
 * as the exact figures need every distinct (path, visit) and (path, visitor) pair (seconds at 10M
 * events on two cores).
 */
export async function pages(
  store: EventStore,
  scope: QueryScope,
  contract: Contract | null,
  limit = 100,
  sampleAbove = 0,
): Promise<PageRow[]> {
  const sql = new Sql();
  const inRange = sql.where(scope, contract);
  const every = await sampleEvery(store, inRange, sql.params, sampleAbove);
  const where = every > 1 ? `${inRange} AND (visitor & ${every - 1}) = 0` : inRange;
  const rows = await store.all<Record<string, unknown>>(
    // Two-stage: (path, visit) pairs once, then per path, with each pair's visit joined once.
    `WITH v AS (${visitsSql(where, true)}),
     pv AS (SELECT path, visit, count(*) AS views FROM events WHERE ${where} AND name = 'pageview' GROUP BY path, visit),
     p AS (SELECT pv.path, count(DISTINCT v.visitor) AS visitors, count(*) AS visits, sum(pv.views) AS views,
                  avg(v.duration_ms) / 1000.0 AS visit_duration
           FROM pv JOIN v USING (visit) GROUP BY pv.path),
     b AS (SELECT entry AS path, count(*) FILTER (WHERE views = 1 AND others = 0) / count(*) AS bounce_rate
           FROM v WHERE entry IS NOT NULL GROUP BY entry),
     t AS (SELECT path, avg(duration_ms) / 1000.0 AS time_on_page FROM events WHERE ${where} AND name = 'pageleave' GROUP BY path)
     SELECT p.path, p.visitors, p.visits, p.views, b.bounce_rate, p.visit_duration, t.time_on_page
     FROM p LEFT JOIN b USING (path) LEFT JOIN t USING (path)
     ORDER BY p.views DESC, p.visitors DESC, p.path LIMIT ${sql.param(limit)}`,
    sql.params,
  );
  return rows.map((r) => ({
    path: String(r.path),
    visitors: (num(r.visitors) ?? 0) * every,
    visits: (num(r.visits) ?? 0) * every,
    views: (num(r.views) ?? 0) * every,
    bounceRate: num(r.bounce_rate),
    visitDuration: num(r.visit_duration),
    timeOnPage: num(r.time_on_page),
    ...(every > 1 ? { sample: 1 / every } : {}),
  }));
}
