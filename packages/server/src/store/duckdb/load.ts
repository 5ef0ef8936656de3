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

const FIELDS = EVENT_COLUMNS.map((c, i) => (CASTS[c] ? `a[${i + 1}]::${CASTS[c]}` : `a[${i + 1}]`)).join(
  ', ',
);

/**
 * Loads a journal file (one JSON array per line, as `encodeRow` writes it) into `events`, skipping
 * its first `skipLines` lines. DuckDB parses the file on its own threads: nothing per row runs on
 * the JavaScript thread that serves requests.
 */
export function loadJournalSql(path: string, skipLines = 0): string {
  const file = `'${path.replaceAll("'", "''")}'`;
  return `INSERT INTO events (${EVENT_COLUMNS.join(', ')})
    SELECT ${FIELDS} FROM (
      SELECT json_transform(json, '["VARCHAR"]') AS a FROM read_ndjson_objects(${file})
      ${skipLines > 0 ? `OFFSET ${Math.floor(skipLines)}` : ''})`;
}
