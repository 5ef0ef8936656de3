import type { Contract } from '@tally/contract';
import type { EventStore, QueryScope } from '../store/types.js';
import { num, Sql } from './scope.js';

export interface Figures {
  visitors: number;
  visits: number;
  views: number;
  events: number;
  bounceRate: number | null;
  visitDuration: number | null;
}

/** SQL for one visit per row within a range: its visitor, views, other events, duration (METRICS.md),
 * and with `entry` its first pageview's path (costly: only the pages table asks for it). */
export function visitsSql(where: string, entry = false): string {
  return `SELECT visit, any_value(visitor) AS visitor,
      count(*) FILTER (WHERE name = 'pageview') AS views,
      count(*) FILTER (WHERE name NOT IN ('pageview', 'pageleave')) AS others,
      count(*) AS events,
      max(ts) - min(ts) AS duration_ms${entry ? `, arg_min(path, ts) FILTER (WHERE name = 'pageview') AS entry` : ''}
    FROM events WHERE ${where} GROUP BY visit`;
}

async function figures(
  store: EventStore,
  scope: QueryScope,
  contract: Contract | null,
  range: { from: number; to: number },
): Promise<Figures> {
  const sql = new Sql();
  const where = sql.where(scope, contract, range);
  const [r] = await store.all<Record<string, unknown>>(
    `WITH v AS (${visitsSql(where)})
     SELECT count(DISTINCT visitor) AS visitors, count(*) AS visits,
       coalesce(sum(views), 0) AS views, coalesce(sum(events), 0) AS events,
       count(*) FILTER (WHERE views = 1 AND others = 0) AS bounces,
       count(*) FILTER (WHERE views > 0) AS visits_with_views,
       avg(duration_ms) / 1000.0 AS duration
     FROM v`,
    sql.params,
  );
  const withViews = num(r?.visits_with_views) ?? 0;
  return {
    visitors: num(r?.visitors) ?? 0,
    visits: num(r?.visits) ?? 0,
    views: num(r?.views) ?? 0,
    events: num(r?.events) ?? 0,
    bounceRate: withViews ? (num(r?.bounces) ?? 0) / withViews : null,
    visitDuration: num(r?.duration),
  };
}

/** Overview cards: the range's figures and the same for the period of equal length before it. */
export async function overview(store: EventStore, scope: QueryScope, contract: Contract | null) {
  const span = scope.to - scope.from;
  const [current, previous] = await Promise.all([
    figures(store, scope, contract, scope),
    figures(store, scope, contract, { from: scope.from - span, to: scope.from }),
  ]);
  return { ...current, previous };
}
