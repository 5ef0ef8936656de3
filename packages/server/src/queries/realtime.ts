import type { EventStore } from '../store/types.js';

/** Visitors active in the last 5 minutes, and visitors per minute over the last 30. */
export async function realtime(store: EventStore, appId: number, now = Date.now()) {
  const minute = 60_000;
  const start = Math.floor(now / minute) * minute - 29 * minute;
  const [active] = await store.all<{ n: bigint }>(
    'SELECT count(DISTINCT visitor) AS n FROM events WHERE app_id = $1 AND ts >= $2 AND ts <= $3',
    [appId, BigInt(now - 5 * minute), BigInt(now)],
  );
  const rows = await store.all<{ t: bigint; visitors: bigint }>(
    `SELECT (ts // 60000) * 60000 AS t, count(DISTINCT visitor) AS visitors FROM events
     WHERE app_id = $1 AND ts >= $2 AND ts <= $3 GROUP BY t`,
    [appId, BigInt(start), BigInt(now)],
  );
  const byMinute = new Map(rows.map((r) => [Number(r.t), Number(r.visitors)]));
  const perMinute = Array.from({ length: 30 }, (_, i) => {
    const t = start + i * minute;
    return { t, visitors: byMinute.get(t) ?? 0 };
  });
  return { active: Number(active?.n ?? 0), perMinute };
}
