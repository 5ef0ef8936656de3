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
}

/** The pages table (METRICS.md): one row per path with a pageview, by views then visitors. */
export async function pages(
  store: EventStore,
  scope: QueryScope,
  contract: Contract | null,
  limit = 100,
): Promise<PageRow[]> {
  const sql = new Sql();
  const where = sql.where(scope, contract);
  const rows = await store.all<Record<string, unknown>>(
    // Two-stage: (path, visit) pairs once, then per path; distinct visitors from distinct pairs.
    `WITH v AS (${visitsSql(where, true)}),
     pv AS (SELECT path, visit, count(*) AS views FROM events WHERE ${where} AND name = 'pageview' GROUP BY path, visit),
     j AS (SELECT pv.path, pv.views, v.visitor, v.duration_ms FROM pv JOIN v USING (visit)),
     p AS (SELECT path, count(*) AS visits, sum(views) AS views, avg(duration_ms) / 1000.0 AS visit_duration FROM j GROUP BY path),
     u AS (SELECT path, count(*) AS visitors FROM (SELECT DISTINCT path, visitor FROM j) GROUP BY path),
     b AS (SELECT entry AS path, count(*) FILTER (WHERE views = 1 AND others = 0) / count(*) AS bounce_rate
           FROM v WHERE entry IS NOT NULL GROUP BY entry),
     t AS (SELECT path, avg(duration_ms) / 1000.0 AS time_on_page FROM events WHERE ${where} AND name = 'pageleave' GROUP BY path)
     SELECT p.path, u.visitors, p.visits, p.views, b.bounce_rate, p.visit_duration, t.time_on_page
     FROM p JOIN u USING (path) LEFT JOIN b USING (path) LEFT JOIN t USING (path)
     ORDER BY p.views DESC, u.visitors DESC, p.path LIMIT ${sql.param(limit)}`,
    sql.params,
  );
  return rows.map((r) => ({
    path: String(r.path),
    visitors: num(r.visitors) ?? 0,
    visits: num(r.visits) ?? 0,
    views: num(r.views) ?? 0,
    bounceRate: num(r.bounce_rate),
    visitDuration: num(r.visit_duration),
    timeOnPage: num(r.time_on_page),
  }));
}
