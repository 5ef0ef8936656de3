import { DuckDBInstance } from '@duckdb/node-api';

const i = await DuckDBInstance.create('/tmp/qscratch/tally.duckdb', { threads: '2' });
const c = await i.connect();
const [{ lo, hi }] = (await c.runAndReadAll('select min(ts) lo, max(ts)+1 hi from events')).getRowObjectsJS();
const W = `app_id = 1 AND ts >= ${lo} AND ts < ${hi}`;
const qs = JSON.parse(process.argv[2] ?? '{}');
const queries = {
  visitsNoEntry: `SELECT count(DISTINCT visitor), count(*), sum(v) FROM (SELECT visit, any_value(visitor) visitor, count(*) FILTER (WHERE name='pageview') v, count(*) FILTER (WHERE name NOT IN ('pageview','pageleave')) o, count(*) n, max(ts)-min(ts) d FROM events WHERE ${W} GROUP BY visit)`,
  visitsMinimal: `SELECT count(*) FROM (SELECT visit, max(ts)-min(ts) d FROM events WHERE ${W} GROUP BY visit)`,
  distinctVisitor: `SELECT count(DISTINCT visitor) FROM events WHERE ${W}`,
  scanOnly: `SELECT count(*) FROM events WHERE ${W}`,
  tzCase: `SELECT (ts + CASE WHEN ts < 1763000000000 THEN 3600000 ELSE 7200000 END) // 86400000 b, count(DISTINCT visitor), count(DISTINCT visit), count(*) FILTER (WHERE name='pageview') FROM events WHERE ${W} GROUP BY b`,
  pagesTwoStage: `SELECT path, count(DISTINCT visitor), count(*), sum(n) FROM (SELECT path, visit, any_value(visitor) visitor, count(*) n FROM events WHERE ${W} AND name='pageview' GROUP BY path, visit) GROUP BY path`,
  pagesTwoStage2: `WITH pv AS (SELECT path, visit, any_value(visitor) visitor, count(*) n FROM events WHERE ${W} AND name='pageview' GROUP BY path, visit) SELECT a.path, a.visits, a.views, b.visitors FROM (SELECT path, count(*) visits, sum(n) AS views FROM pv GROUP BY path) a JOIN (SELECT path, count(*) visitors FROM (SELECT DISTINCT path, visitor FROM pv) GROUP BY path) b USING (path)`,
  tzTwoStage: `SELECT b, count(*) FILTER (WHERE kind=0), count(*) FILTER (WHERE kind=1), sum(v) FROM (SELECT (ts + CASE WHEN ts < 1763000000000 THEN 3600000 ELSE 7200000 END) // 86400000 b, 0 kind, visitor id, count(*) FILTER (WHERE name='pageview') v FROM events WHERE ${W} GROUP BY b, visitor UNION ALL SELECT (ts + CASE WHEN ts < 1763000000000 THEN 3600000 ELSE 7200000 END) // 86400000 b, 1, visit, 0 FROM events WHERE ${W} GROUP BY b, visit) GROUP BY b`,
  pagesFloor: `SELECT path, count(*) FROM events WHERE ${W} AND name='pageview' GROUP BY path`,
  pathVisitDistinct: `SELECT count(*) FROM (SELECT DISTINCT path, visit FROM events WHERE ${W} AND name='pageview')`,
  pathVisitHashed: `SELECT count(*) FROM (SELECT DISTINCT hash(path) # visit k FROM events WHERE ${W} AND name='pageview')`,
  visitsSum: `SELECT count(DISTINCT visitor), count(*), sum(v) FROM (SELECT visit, min(visitor) visitor, sum((name='pageview')::INT) v, sum((name NOT IN ('pageview','pageleave'))::INT) o, count(*) n, max(ts)-min(ts) d FROM events WHERE ${W} GROUP BY visit)`,
  pagesSimple: `SELECT path, count(DISTINCT visitor), count(DISTINCT visit), count(*) FROM events WHERE ${W} AND name='pageview' GROUP BY path`,
};
for (const [k, q] of Object.entries(queries)) {
  if (qs.only && !qs.only.includes(k)) continue;
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const s = performance.now();
    await c.runAndReadAll(q);
    runs.push(Math.round(performance.now() - s));
  }
  console.log(k, runs);
}
