/** DuckDB tables. Events sit in arrival order, which is close to time order, so DuckDB's min/max
 * zone maps skip most row groups for a time range. Hashes are BIGINT; repeated strings compress by
 * dictionary, consecutive events of one batch share visitor/visit and compress by run length. */
export const EVENT_DDL = `
CREATE TABLE IF NOT EXISTS events (
  app_id INTEGER NOT NULL,
  ts BIGINT NOT NULL,
  name VARCHAR NOT NULL,
  path VARCHAR,
  duration_ms INTEGER,
  visitor BIGINT NOT NULL,
  visit BIGINT NOT NULL,
  session BIGINT,
  os VARCHAR, os_version VARCHAR, browser VARCHAR, device VARCHAR, arch VARCHAR,
  runtime VARCHAR, runtime_version VARCHAR, app_version VARCHAR, locale VARCHAR, screen VARCHAR,
  ci BOOLEAN, docker BOOLEAN,
  machine VARCHAR, project VARCHAR,
  props VARCHAR
);`;

export const META_DDL = `
CREATE SEQUENCE IF NOT EXISTS app_ids START 1;
CREATE TABLE IF NOT EXISTS apps (
  id INTEGER PRIMARY KEY DEFAULT nextval('app_ids'),
  name VARCHAR NOT NULL,
  key VARCHAR NOT NULL UNIQUE,
  contract VARCHAR NOT NULL,
  retention_days INTEGER,
  disabled BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejections (
  app_id INTEGER NOT NULL,
  reason VARCHAR NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (app_id, reason)
);
CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
`;

/** Column order of `events`, as the appender writes it. */
export const EVENT_COLUMNS = [
  'app_id',
  'ts',
  'name',
  'path',
  'duration_ms',
  'visitor',
  'visit',
  'session',
  'os',
  'os_version',
  'browser',
  'device',
  'arch',
  'runtime',
  'runtime_version',
  'app_version',
  'locale',
  'screen',
  'ci',
  'docker',
  'machine',
  'project',
  'props',
] as const;

/**
 * How far the journal has been loaded, updated in the same transaction as the rows; and the apps
 * whose events were erased whole, whose rows the loads skip (see DuckDBEventStore.deleteApp).
 */
export const JOURNAL_DDL = `
CREATE TABLE IF NOT EXISTS journal_state (id INTEGER PRIMARY KEY, segment INTEGER NOT NULL, pos BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS erased_apps (app_id INTEGER PRIMARY KEY);`;
