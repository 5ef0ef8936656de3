import type { Contract } from '@tally/contract';
import { HttpError } from '../http/errors.js';
import type { QueryScope } from '../store/types.js';
import { dimension } from './dimensions.js';
import { offsetAt } from './timezone.js';

const DAY = 86_400_000;
const MAX_SPAN = 5 * 366 * DAY;

/** The last instant a time may name: 9999-12-31T23:59:59.999Z (beyond it dates stop being dates). */
const LAST_TIME = 253_402_300_799_999;
/** An ISO 8601 date, or date and time with an optional offset (`2026-11-28`, `2026-11-28T10:00:00Z`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * `from`/`to`: ms since the epoch or an ISO 8601 time, from 1970 to the year 9999. Nothing else:
 * Date.parse alone would also take `-1` (as 2001) or `2/3`, and a time past the year 275760 made the
 * time-zone step fail with a 500.
 */
function parseTime(raw: string | null, name: string): number | null {
  if (raw === null || raw === '') return null;
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : ISO_TIME.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!(n >= 0 && n <= LAST_TIME))
    throw new HttpError(
      400,
      `${name} must be ms since the epoch or an ISO 8601 time, from 1970 to the year 9999`,
    );
  return n;
}

/** from/to/tz/filter from a query string; defaults to the last 30 days. */
export function parseScope(appId: number, q: URLSearchParams, now = Date.now()): QueryScope {
  const to = parseTime(q.get('to'), 'to') ?? now;
  const from = parseTime(q.get('from'), 'from') ?? to - 30 * DAY;
  if (from >= to) throw new HttpError(400, 'from must be before to');
  if (to - from > MAX_SPAN) throw new HttpError(400, 'the range may span at most 5 years');
  const tz = q.get('tz') || 'UTC';
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(tz)) throw new HttpError(400, 'tz must be an IANA time zone name');
  offsetAt(tz, to); // an unknown zone is a 400 here, not ignored by the queries that need no offset
  const filters = q.getAll('filter').map((f) => {
    const i = f.indexOf(':', f.startsWith('prop:') ? 5 : 0);
    if (i <= 0) throw new HttpError(400, `filter must be dimension:value, got ${f}`);
    return { dimension: f.slice(0, i), value: f.slice(i + 1) };
  });
  return { appId, from, to, filters, tz };
}

/** A WHERE clause for a scope, with its parameters; more parameters can be appended by the caller. */
export class Sql {
  readonly params: unknown[] = [];

  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  /** `app_id = … AND ts >= … AND ts < …` plus one condition per filter. */
  where(scope: QueryScope, contract: Contract | null, range: { from: number; to: number } = scope): string {
    const parts = [
      `app_id = ${this.param(scope.appId)}`,
      `ts >= ${this.param(BigInt(range.from))}`,
      `ts < ${this.param(BigInt(range.to))}`,
    ];
    for (const f of scope.filters) {
      const d = dimension(f.dimension, contract, () => `$${this.params.length + 1}`);
      if (d.param !== undefined) this.param(d.param);
      const value = this.param(f.value);
      parts.push(d.listExpr ? `list_contains(${d.listExpr}, ${value})` : `${d.expr} = ${value}`);
    }
    return parts.join(' AND ');
  }
}

/** A number from SQL (DuckDB returns BIGINT as bigint), null kept. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
