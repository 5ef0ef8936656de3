import type { Contract } from '@tally/contract';
import type { EventStore, QueryScope } from '../store/types.js';
import { num, Sql } from './scope.js';

/** `error` events grouped by message, most frequent first. */
export async function errors(store: EventStore, scope: QueryScope, contract: Contract | null, limit = 100) {
  const sql = new Sql();
  const where = sql.where(scope, contract);
  const rows = await store.all<Record<string, unknown>>(
    `SELECT coalesce(json_extract_string(props, '$.message'), '(no message)') AS message,
       count(*) AS count, count(DISTINCT visitor) AS visitors, min(ts) AS first_seen, max(ts) AS last_seen,
       arg_max(json_extract_string(props, '$.source'), ts) AS source
     FROM events WHERE ${where} AND name = 'error'
     GROUP BY message ORDER BY count DESC, message LIMIT ${sql.param(limit)}`,
    sql.params,
  );
  return rows.map((r) => ({
    message: String(r.message),
    source: r.source === null ? null : String(r.source),
    count: num(r.count) ?? 0,
    visitors: num(r.visitors) ?? 0,
    firstSeen: num(r.first_seen) ?? 0,
    lastSeen: num(r.last_seen) ?? 0,
  }));
}
