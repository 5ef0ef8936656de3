import { isText } from '@tally/contract';
import { sqlString } from './db.js';
import { EVENT_COLUMNS } from './schema.js';

/** The SQL type each journal field is cast to (the rest are VARCHAR); fields are in EVENT_COLUMNS order. */
const CASTS: Partial<Record<(typeof EVENT_COLUMNS)[number], string>> = {
  app_id: 'INTEGER',
  ts: 'BIGINT',
  duration_ms: 'INTEGER',
  visitor: 'BIGINT',
  visit: 'BIGINT',
  session: 'BIGINT',
  ci: 'BOOLEAN',
  docker: 'BOOLEAN',
};

/** The columns EVENT_DDL declares NOT NULL. */
const REQUIRED: ReadonlySet<string> = new Set(['app_id', 'ts', 'name', 'visitor', 'visit']);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether `v` is a value the load casts to `type` without error (strings: well-formed Unicode). */
function fits(type: string, v: unknown): boolean {
  switch (type) {
    case 'INTEGER':
      return Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;
    case 'BIGINT':
      if (typeof v === 'number') return Number.isSafeInteger(v);
      return (
        typeof v === 'string' && /^-?\d{1,19}$/.test(v) && BigInt(v) >= INT64_MIN && BigInt(v) <= INT64_MAX
      );
    case 'BOOLEAN':
      return typeof v === 'boolean';
    default:
      return typeof v === 'string' && isText(v); // the contract's test: no lone surrogate
  }
}

/**
 * Why DuckDB could not load a journal line's parsed fields as one `events` row, or null. Every line
 * `encodeRow` writes passes; this names what a damaged line (a flipped bit, an older build's
 * mistake) got wrong.
 */
export function rowProblem(fields: unknown): string | null {
  if (!Array.isArray(fields) || fields.length !== EVENT_COLUMNS.length)
    return `not an array of ${EVENT_COLUMNS.length} fields`;
  for (let i = 0; i < EVENT_COLUMNS.length; i++) {
    const column = EVENT_COLUMNS[i] as (typeof EVENT_COLUMNS)[number];
    const v: unknown = fields[i];
    if (v === null) {
      if (REQUIRED.has(column)) return `${column} is null`;
    } else if (!fits(CASTS[column] ?? 'VARCHAR', v))
      return `${column} is not a valid ${CASTS[column] ?? 'text'}`;
  }
  return null;
}

const FIELDS = EVENT_COLUMNS.map((c, i) => (CASTS[c] ? `a[${i + 1}]::${CASTS[c]}` : `a[${i + 1}]`)).join(
  ', ',
);

/**
 * Loads a journal file (one JSON array per line, as `encodeRow` writes it) into `events`, skipping
 * its first `skipLines` lines, and the rows of apps erased whole (acknowledged while their erasure
 * ran: measured, about 100 of a busy app's events outlived its deletion before). DuckDB parses the
 * file on its own threads: nothing per row runs on the JavaScript thread that serves requests.
 */
export function loadJournalSql(path: string, skipLines = 0): string {
  return `INSERT INTO events (${EVENT_COLUMNS.join(', ')})
    SELECT ${FIELDS} FROM (
      SELECT json_transform(json, '["VARCHAR"]') AS a FROM read_ndjson_objects(${sqlString(path)})
      ${skipLines > 0 ? `OFFSET ${Math.floor(skipLines)}` : ''})
    WHERE a[1]::INTEGER NOT IN (SELECT app_id FROM erased_apps)`;
}
