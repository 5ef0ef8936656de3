import type { Contract } from '@tally/contract';
import { HttpError } from '../http/errors.js';

const COLUMNS: Record<string, string> = {
  os: 'os',
  osVersion: 'os_version',
  browser: 'browser',
  device: 'device',
  arch: 'arch',
  runtime: 'runtime',
  runtimeVersion: 'runtime_version',
  appVersion: 'app_version',
  locale: 'locale',
  screen: 'screen',
  event: 'name',
  path: 'path',
};

const PROP = /^prop:([a-zA-Z][a-zA-Z0-9_.:-]{0,63})$/;

export interface Dimension {
  /** SQL expression giving one value per event (a column or a JSON property as text). */
  expr: string;
  /** For list-valued properties: the SQL expression of the list, to be unnested. */
  listExpr?: string;
  /** The JSON path parameter the expressions use, if any. */
  param?: string;
}

/** Maps an API dimension name to SQL. Property names are checked, then passed as parameters. */
export function dimension(name: string, contract: Contract | null, nextParam: () => string): Dimension {
  const col = COLUMNS[name];
  if (col) return { expr: col };
  const m = PROP.exec(name);
  if (!m) throw new HttpError(400, `unknown dimension ${name}`);
  const prop = m[1] as string;
  const p = nextParam();
  const isList = contract
    ? Object.values(contract.events).some((e) => e.props?.[prop]?.type === 'string[]')
    : false;
  return {
    expr: `json_extract_string(props, ${p})`,
    listExpr: isList ? `json_extract_string(props, ${p} || '[*]')` : undefined,
    param: `$."${prop}"`,
  };
}
