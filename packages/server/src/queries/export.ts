import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contract } from '@tally/contract';
import { HttpError } from '../http/errors.js';
import { sqlString } from '../store/duckdb/db.js';
import type { EventStore, QueryScope } from '../store/types.js';
import { Sql } from './scope.js';

/**
 * A value as a SQL literal. Quotes are doubled; a NUL, which would end the statement's text where
 * DuckDB's parser reads it (a 500: "unterminated quoted string"), is spliced in as chr(0), so a
 * filter matches stored text that holds one.
 */
const literal = (v: unknown): string =>
  typeof v === 'number' || typeof v === 'bigint'
    ? String(v)
    : String(v).split('\0').map(sqlString).join(' || chr(0) || ');

/** Writes the range's raw events to a temporary CSV or Parquet file and returns its path.
 * COPY takes no parameters, so the values are inlined as escaped literals. */
export async function exportEvents(
  store: EventStore,
  scope: QueryScope,
  contract: Contract | null,
  format: string,
): Promise<string> {
  if (format !== 'csv' && format !== 'parquet') throw new HttpError(400, 'format must be csv or parquet');
  const sql = new Sql();
  // One pass: a value's literal is never searched again, so a value holding "$4" stays text (a pass
  // per parameter put $4's literal inside it: SQL from a filter value).
  const where = sql
    .where(scope, contract)
    .replace(/\$(\d+)/g, (_, i: string) => literal(sql.params[Number(i) - 1]));
  const file = join(tmpdir(), `tally-export-${randomBytes(6).toString('hex')}.${format}`);
  await store.all(
    `COPY (SELECT epoch_ms(ts) AS time, ts, name, path, duration_ms, visitor::VARCHAR AS visitor, visit::VARCHAR AS visit,
             os, os_version, browser, device, arch, runtime, runtime_version, app_version, locale, screen,
             ci, docker, machine, project, props
           FROM events WHERE ${where} ORDER BY ts)
     TO ${literal(file)} (FORMAT ${format === 'csv' ? 'csv, HEADER true' : 'parquet'})`,
  );
  return file;
}
