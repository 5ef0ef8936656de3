/** Date ranges the dashboard queries: presets ending now, or whole days in the browser's time zone. */
export interface Range {
  from: number;
  to: number;
}

const DAY = 86_400_000;
export const PRESETS: Array<[string, string, (now: number) => Range]> = [
  ['today', 'Today', (n) => ({ from: new Date(n).setHours(0, 0, 0, 0), to: n })],
  ['24h', 'Last 24 hours', (n) => ({ from: n - DAY, to: n })],
  ['7d', 'Last 7 days', (n) => ({ from: n - 7 * DAY, to: n })],
  ['30d', 'Last 30 days', (n) => ({ from: n - 30 * DAY, to: n })],
  ['12mo', 'Last 12 months', (n) => ({ from: n - 365 * DAY, to: n })],
];

/** A local calendar day as the value of `<input type="date">`: "2025-03-30". */
export function isoDay(t: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight starting a "YYYY-MM-DD" day, `days` later; null if it is not a date. */
function midnight(day: string, days = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime();
  return Number.isNaN(t) ? null : t;
}

/** From the start of `from` to the end of `to` (inclusive), local time; null unless from ≤ to. */
export function customRange(from: string, to: string): Range | null {
  const start = midnight(from);
  const end = midnight(to, 1);
  return start !== null && end !== null && start < end ? { from: start, to: end } : null;
}

/** The range a preset id, or "custom" with its two days, stands for at `now`. */
export function rangeOf(preset: string, custom: [string, string], now: number): Range | null {
  if (preset === 'custom') return customRange(...custom);
  const p = PRESETS.find(([id]) => id === preset) ?? PRESETS[3];
  return p ? p[2](now) : null;
}

/** Whether a range is short enough to chart by the hour. */
export const hourly = (r: Range) => r.to - r.from <= 2 * DAY;
