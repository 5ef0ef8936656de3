import { percent } from './format.js';

export interface Row {
  value: string;
  visitors: number;
}

export interface Insight {
  text: string;
  /** The breakdown that proves it (dimension), and the value to filter by. */
  dimension: string;
  value?: string;
}

const OS_NAMES: Record<string, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };

/** "Most installs run Linux (62%)": the top value and its share of visitors. */
export function top(
  rows: Row[],
  dimension: string,
  phrase: (value: string, share: string) => string,
): Insight | null {
  const total = rows.reduce((s, r) => s + r.visitors, 0);
  const first = rows[0];
  if (!first || !total) return null;
  return { text: phrase(first.value, percent(first.visitors / total)), dimension, value: first.value };
}

export const osName = (v: string) => OS_NAMES[v] ?? v;

/**
 * Pages of the app (from its contract) that nobody or almost nobody opened in the range. From an
 * estimate (a sample of visitors) a page without visitors is only "rarely" opened: the sample may
 * have missed the few who did.
 */
export function undiscovered(
  pages: string[],
  seen: Array<{ path: string; visitors: number; sample?: number }>,
  totalVisitors: number,
): Insight[] {
  const visitors = new Map(seen.map((p) => [p.path, p.visitors]));
  const sample = seen[0]?.sample;
  return pages
    .map((path) => ({ path, v: visitors.get(path) ?? 0 }))
    .filter((p) => p.v === 0 || (totalVisitors > 0 && p.v / totalVisitors < 0.02))
    .map((p) => ({
      text:
        p.v > 0
          ? `Few open ${p.path} (${percent(p.v / totalVisitors)} of visitors)`
          : sample
            ? `Hardly anyone opens ${p.path} (no one in a sample of 1 in ${Math.round(1 / sample)} visitors)`
            : `Nobody opened ${p.path}`,
      dimension: 'path',
      value: p.path,
    }));
}
