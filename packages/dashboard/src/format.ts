/** Durations as the seed shows them: "27m 35s", "6m 3s", "11s", hours as "1h 2m". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A 0–1 fraction as a whole percent ("0%", "62%"); null (no visit to rate) as a dash. */
export function percent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${Math.round(fraction * 100)}%`;
}

/** Counts as integers with thousands separators. */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US');
}

/** Change against the previous period, e.g. "+12%"; null when there is nothing to compare with. */
export function delta(now: number | null, before: number | null): string | null {
  if (now === null || before === null || before === 0) return null;
  const d = Math.round(((now - before) / before) * 100);
  return `${d > 0 ? '+' : ''}${d}%`;
}
