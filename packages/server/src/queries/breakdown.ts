import type { Contract } from '@tally/contract';
import type { EventStore, QueryScope } from '../store/types.js';
import { dimension } from './dimensions.js';
import { num, Sql } from './scope.js';

/** One row per value of a dimension: visitors, visits and events among events having that value. */
export async function breakdown(
  store: EventStore,
  scope: QueryScope,
  contract: Contract | null,
  name: string,
  limit = 100,
) {
  const sql = new Sql();
  const where = sql.where(scope, contract);
  const d = dimension(name, contract, () => `$${sql.params.length + 1}`);
  if (d.param !== undefined) sql.param(d.param);
  const source = d.listExpr
    ? `SELECT unnest(${d.listExpr}) AS value, visitor, visit FROM events WHERE ${where}`
    : `SELECT ${d.expr} AS value, visitor, visit FROM events WHERE ${where}`;
  const rows = await store.all<Record<string, unknown>>(
    `SELECT value, count(DISTINCT visitor) AS visitors, count(DISTINCT visit) AS visits, count(*) AS events
     FROM (${source}) WHERE value IS NOT NULL
     GROUP BY value ORDER BY visitors DESC, events DESC, value LIMIT ${sql.param(limit)}`,
    sql.params,
  );
  return rows.map((r) => ({
    value: String(r.value),
    visitors: num(r.visitors) ?? 0,
    visits: num(r.visits) ?? 0,
    events: num(r.events) ?? 0,
  }));
}

export const BUCKETS = ['0', '1–9', '10–99', '100–999', '1k–9.9k', '10k+'] as const;

/** A numeric property as a distribution: each visitor's latest value, in decades (METRICS.md). */
export async function buckets(store: EventStore, scope: QueryScope, contract: Contract | null, name: string) {
  const sql = new Sql();
  const where = sql.where(scope, contract);
  const d = dimension(name, contract, () => `$${sql.params.length + 1}`);
  if (d.param !== undefined) sql.param(d.param);
  const rows = await store.all<{ bucket: number; visitors: bigint }>(
    `WITH latest AS (
       SELECT visitor, arg_max(TRY_CAST(${d.expr} AS DOUBLE), ts) AS v
       FROM events WHERE ${where} AND TRY_CAST(${d.expr} AS DOUBLE) IS NOT NULL GROUP BY visitor)
     SELECT CASE WHEN v < 1 THEN 0 WHEN v < 10 THEN 1 WHEN v < 100 THEN 2 WHEN v < 1000 THEN 3 WHEN v < 10000 THEN 4 ELSE 5 END AS bucket,
       count(*) AS visitors
     FROM latest GROUP BY bucket`,
    sql.params,
  );
  const counts = new Map(rows.map((r) => [Number(r.bucket), Number(r.visitors)]));
  return BUCKETS.map((bucket, i) => ({ bucket, visitors: counts.get(i) ?? 0 }));
}
