import { DuckDBInstance } from '@duckdb/node-api';

const i = await DuckDBInstance.create('/tmp/qscratch/tally.duckdb', { threads: '2' });
const c = await i.connect();
const [{ lo, hi }] = (await c.runAndReadAll('select min(ts) lo, max(ts)+1 hi from events')).getRowObjectsJS();
const W = `app_id = 1 AND ts >= ${lo} AND ts < ${hi}`;
const V = `SELECT visit, min(visitor) AS visitor, count(*) FILTER (WHERE name = 'pageview') AS views, count(*) FILTER (WHERE name NOT IN ('pageview', 'pageleave')) AS others, max(ts) - min(ts) AS duration_ms, arg_min(path, ts) FILTER (WHERE name = 'pageview') AS entry FROM events WHERE ${W} GROUP BY visit`;
const q = {
  newPages: `WITH v AS (${V}),
  pv AS (SELECT path, visit, count(*) AS views FROM events WHERE ${W} AND name = 'pageview' GROUP BY path, visit),
  j AS (SELECT pv.path, pv.views, v.visitor, v.duration_ms FROM pv JOIN v USING (visit)),
  p AS (SELECT path, count(*) AS visits, sum(views) AS views, avg(duration_ms) / 1000.0 AS visit_duration FROM j GROUP BY path),
  u AS (SELECT path, count(*) AS visitors FROM (SELECT DISTINCT path, visitor FROM j) GROUP BY path),
  b AS (SELECT entry AS path, count(*) FILTER (WHERE views = 1 AND others = 0) / count(*) AS bounce_rate FROM v WHERE entry IS NOT NULL GROUP BY entry),
  t AS (SELECT path, avg(duration_ms) / 1000.0 AS time_on_page FROM events WHERE ${W} AND name = 'pageleave' GROUP BY path)
  SELECT p.path, u.visitors, p.visits, p.views, b.bounce_rate, p.visit_duration, t.time_on_page FROM p JOIN u USING (path) LEFT JOIN b USING (path) LEFT JOIN t USING (path) ORDER BY p.views DESC LIMIT 100`,
  overviewNew: `WITH v AS (SELECT visit, min(visitor) AS visitor, count(*) FILTER (WHERE name = 'pageview') AS views, count(*) FILTER (WHERE name NOT IN ('pageview', 'pageleave')) AS others, count(*) AS events, max(ts) - min(ts) AS duration_ms FROM events WHERE ${W} GROUP BY visit) SELECT count(DISTINCT visitor), count(*), sum(views), sum(events), count(*) FILTER (WHERE views = 1 AND others = 0), count(*) FILTER (WHERE views > 0), avg(duration_ms) FROM v`,
};
for (const [k, s] of Object.entries(q)) {
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    await c.runAndReadAll(s);
    runs.push(Math.round(performance.now() - t));
  }
  console.log(k, runs);
}
