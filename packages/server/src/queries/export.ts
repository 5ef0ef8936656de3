import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contract } from '@tally/contract';
import { HttpError } from '../http/errors.js';
import type { EventStore, QueryScope } from '../store/types.js';
import { Sql } from './scope.js';

const literal = (v: unknown): string =>
  typeof v === 'number' || typeof v === 'bigint' ? String(v) : `'${String(v).replaceAll("'", "''")}'`;

/** Writes the range's raw events to a temporary CSV or Parquet file and returns its path.
 * COPY takes no parameters, so the (already validated) values are inlined as escaped literals. */
export async function exportEvents(
  store: EventStore,
  scope: QueryScope,
  contract: Contract | null,
  format: string,
): Promise<string> {
  if (format !== 'csv' && format !== 'parquet') throw new HttpError(400, 'format must be csv or parquet');
  const sql = new Sql();
  let where = sql.where(scope, contract);
  for (let i = sql.params.length; i >= 1; i--) where = where.replaceAll(`$${i}`, literal(sql.params[i - 1]));
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
