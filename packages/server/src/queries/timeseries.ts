import type { Contract } from '@tally/contract';
import { HttpError } from '../http/errors.js';
import type { EventStore, QueryScope } from '../store/types.js';
import { num, Sql } from './scope.js';
import { instantOfLocal, offsetSegments } from './timezone.js';

const UNIT = { hour: 3_600_000, day: 86_400_000 } as const;
const MAX_BUCKETS = 5000;

/**
 * Visitors, visits and views per hour or per day; days start at midnight in `tz`, gaps are filled
 * with zeros. Buckets are integer arithmetic on local time: the offsets in force over the range
 * (DST changes included) become a small CASE, so no per-row time zone conversion is needed.
 */
export async function timeseries(
  store: EventStore,
  scope: QueryScope,
  contract: Contract | null,
  interval: string,
) {
  if (interval !== 'hour' && interval !== 'day') throw new HttpError(400, 'interval must be hour or day');
  const unit = UNIT[interval];
  const segments = offsetSegments(scope.tz, scope.from, scope.to);
  const first = Math.floor((scope.from + (segments[0]?.offset ?? 0)) / unit);
  const last = Math.floor((scope.to - 1 + (segments[segments.length - 1]?.offset ?? 0)) / unit);
  if (last - first >= MAX_BUCKETS)
    throw new HttpError(400, `more than ${MAX_BUCKETS} ${interval}s: choose a longer interval`);

  const sql = new Sql();
  const where = sql.where(scope, contract);
  const offset =
    segments.length === 1
      ? String(segments[0]?.offset ?? 0)
      : `CASE ${segments
          .slice(0, -1)
          .map((s) => `WHEN ts < ${s.until} THEN ${s.offset}`)
          .join(' ')} ELSE ${segments[segments.length - 1]?.offset} END`;
  // Per (bucket, visit) first: a visit has one visitor, so distinct visitors per bucket come from
  // far fewer rows than the events.
  const rows = await store.all<Record<string, unknown>>(
    `WITH v AS (
       SELECT (ts + ${offset}) // ${unit} AS k, visit, any_value(visitor) AS visitor, count(*) FILTER (WHERE name = 'pageview') AS views
       FROM events WHERE ${where} GROUP BY k, visit)
     SELECT k, count(DISTINCT visitor) AS visitors, count(*) AS visits, sum(views) AS views FROM v GROUP BY k`,
    sql.params,
  );
  const found = new Map(rows.map((r) => [num(r.k) as number, r]));
  const out = [];
  for (let k = first; k <= last; k++) {
    const r = found.get(k);
    out.push({
      t: instantOfLocal(scope.tz, k * unit),
      visitors: num(r?.visitors) ?? 0,
      visits: num(r?.visits) ?? 0,
      views: num(r?.views) ?? 0,
    });
  }
  return out;
}
