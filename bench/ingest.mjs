// Ingest throughput: single-event requests vs a bare node:http server (same load tool, same run),
// 100-event batches in events/s, and mixed traffic of many visitors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cpuMs,
  idleShare,
  load,
  machineCpuMs,
  mainThreadCpuMs,
  median,
  peakRssMb,
  ROOT,
  report,
  startProcess,
  stopProcess,
  WRK,
  wrkLoad,
} from './lib.mjs';
import { mixedTraffic } from './mixed-traffic.mjs';

const duration = Number(process.env.BENCH_SECONDS ?? 6);
// Rounds of bare, bare JSON and Tally in turn: one round's ratio swings by up to 0.3 on a shared
// 2-core host (0.57 to 0.85 in one run), the median of five rounds' ratios much less.
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
// Many clients at once, as a collector sees them; the same load drives both servers.
const connections = Number(process.env.BENCH_CONNECTIONS ?? 128);
const FIXED_RATE = 8000;
const round3 = (x) => Math.round(x * 1000) / 1000;
/** What Chrome sends with a `sendBeacon` of a batch to another origin. */
const BROWSER_HEADERS = {
  'content-type': 'text/plain;charset=UTF-8',
  origin: 'https://shop.example.com',
  referer: 'https://shop.example.com/products/42',
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  accept: '*/*',
  'accept-language': 'en-US,en;q=0.9,de;q=0.8',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
  'sec-fetch-site': 'cross-site',
  'sec-fetch-mode': 'no-cors',
  'sec-fetch-dest': 'empty',
};
/** The saturating loads' tool: wrk where installed (see WRK in lib.mjs), else autocannon. Loads at a
 * fixed rate, with new ids or mixed requests need autocannon's options, and always use it. */
const LOAD_TOOL = process.env.BENCH_LOAD_TOOL ?? (WRK ? 'wrk' : 'autocannon');
const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-'));
const bare = await startProcess([join(ROOT, 'bench/bare-server.mjs')]);
const bareJson = await startProcess([join(ROOT, 'bench/bare-server.mjs'), 'json']);
/** The bench's Tally: an admin to log in as, and rate limits far above any load here. */
const TALLY_ENV = {
  TALLY_PORT: '0',
  TALLY_ADMIN_EMAIL: 'bench@example.com',
  TALLY_ADMIN_PASSWORD: 'bench-password',
  TALLY_RATE_PER_ADDRESS: '100000000',
  TALLY_RATE_PER_APP: '100000000',
};
const tally = await startProcess([join(ROOT, 'packages/server/dist/cli/main.js'), 'serve'], {
  ...TALLY_ENV,
  TALLY_DATA_DIR: dataDir,
});
/** Logs in as the bench's admin and creates an app: its id and key, and the token. */
async function benchApp(url) {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password' }),
  });
  const { token } = await login.json();
  const created = await fetch(`${url}/api/apps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  return { token, ...(await created.json()) };
}

/**
 * Mixed traffic (bench/mixed-traffic.mjs: many visitors, their own User-Agents and sessions, 1-4
 * events a batch) on a server of its own that trusts one proxy hop for the visitors' addresses, so
 * the single-event figures above run on a server configured as before. No target: it shows what a
 * real day's batches cost, which the one-client loads do not (a new visit's id once cost 4 µs).
 */
async function mixedLoad() {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-mixed-'));
  const server = await startProcess([join(ROOT, 'packages/server/dist/cli/main.js'), 'serve'], {
    ...TALLY_ENV,
    TALLY_DATA_DIR: dir,
    TALLY_TRUST_PROXY: '1',
  });
  try {
    const { key } = await benchApp(server.url);
    const variants = mixedTraffic(key);
    const eventsPerBatch = variants.reduce((n, v) => n + v.events, 0) / variants.length;
    const before = cpuMs(server.child.pid);
    const r = await load({ url: `${server.url}/api/v1/events`, duration, connections, variants });
    const used = cpuMs(server.child.pid);
    return {
      batchesPerSecond: Math.round(r.requests.average),
      eventsPerSecond: Math.round(r.requests.average * eventsPerBatch),
      cpuMicrosPerBatch:
        before === null || used === null ? null : Math.round(((used - before) * 1000) / r.requests.total),
      p99ms: r.latency.p99,
      share2xx: r['2xx'] / (r.requests.total || 1),
    };
  } finally {
    await stopProcess(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  const { token, key, id } = await benchApp(tally.url);
  const context = { session: 's1', locale: 'en-US', screen: '1920x1080', appVersion: '1.0.0' };
  const single = JSON.stringify({ app: key, context, events: [{ name: 'pageview', path: '/bench' }] });
  const batch = JSON.stringify({
    app: key,
    context,
    events: Array.from({ length: 100 }, (_, i) => ({ name: 'pageview', path: `/bench/${i % 10}` })),
  });

  /** Events Tally acknowledged over every load of the run: the stored count must equal it. */
  let acknowledged = 0;
  const counted = (server, body, r) => {
    if (server === tally) acknowledged += r['2xx'] * JSON.parse(body).events.length;
    return r;
  };
  /**
   * A load; the server's CPU time per request over it (all its threads, in µs); and the share of the
   * machine's CPU time nobody used (server, load tool and all). A high share says throughput is held
   * by one thread, not by the cores: Tally's request thread runs flat out while the load tool waits
   * for its answers (measured: 16-19% idle against 5-8% for the bare server).
   */
  const measured = async (
    server,
    body,
    conns,
    { newIds = false, tool = newIds ? 'autocannon' : LOAD_TOOL, headers = undefined } = {},
  ) => {
    const before = cpuMs(server.child.pid);
    const machineBefore = machineCpuMs();
    const opts = {
      url: `${server.url}/api/v1/events`,
      body,
      duration,
      connections: conns,
      ...(headers ? { headers } : {}),
    };
    const r = counted(server, body, await (tool === 'wrk' ? wrkLoad(opts) : load({ ...opts, newIds })));
    const used = cpuMs(server.child.pid);
    const perRequest = before === null || used === null ? null : ((used - before) * 1000) / r.requests.total;
    return {
      ...r,
      cpuMicrosPerRequest: perRequest === null ? null : Math.round(perRequest),
      machineIdleShare: idleShare(machineBefore, machineCpuMs()),
    };
  };
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    const ref = await measured(bare, single, connections);
    const refJson = await measured(bareJson, single, connections);
    const one = await measured(tally, single, connections);
    runs.push({ ref, refJson, one, ratio: one.requests.average / ref.requests.average });
  }
  /** `n` rounds of the bare server then Tally under the same single-event load: each round's ratio. */
  const ratioRounds = async (n, options) => {
    const ratios = [];
    for (let i = 0; i < n; i++) {
      const ref = await measured(bare, single, connections, options);
      const one = await measured(tally, single, connections, options);
      ratios.push(one.requests.average / ref.requests.average);
    }
    return ratios;
  };
  /**
   * With wrk as the load tool, the ratio autocannon gives too (3 rounds), as the bench measured it
   * before: autocannon's own CPU, on the same two cores, is taken from Tally's threads.
   */
  const autocannonRatios = LOAD_TOOL === 'wrk' ? await ratioRounds(3, { tool: 'autocannon' }) : [];
  /**
   * The ratio with the headers a browser's beacon carries (13, 600 bytes): Tally reads a batch's
   * head itself (http/socket-ingest), node:http's parser is C; this shows the ratio does not rest on
   * the load tool's three short headers. 3 rounds.
   */
  const browserRatios = await ratioRounds(3, { headers: BROWSER_HEADERS });
  /** Single-event requests at FIXED_RATE, a moderate rate the load tool keeps up with. */
  const atFixedRateLoad = async (server) =>
    counted(
      server,
      single,
      await load({
        url: `${server.url}/api/v1/events`,
        body: single,
        duration,
        connections: 64,
        rate: FIXED_RATE,
      }),
    );
  /**
   * The request thread's CPU time per single-event request at a fixed, moderate rate: the load tool
   * then keeps up, so the figure is the server's own cost, steadier from run to run than saturated
   * throughput (within about 10%) and the place to look when working on the ratio.
   */
  const atFixedRate = async (server) => {
    const before = mainThreadCpuMs(server.child.pid);
    const r = await atFixedRateLoad(server);
    const after = mainThreadCpuMs(server.child.pid);
    return before === null || after === null ? null : ((after - before) * 1000) / r.requests.total;
  };
  const fixed = { bare: [], tally: [] };
  for (let i = 0; i < 2; i++) {
    fixed.bare.push(await atFixedRate(bare));
    fixed.tally.push(await atFixedRate(tally));
  }
  /**
   * How long a dashboard's overview takes while single-event requests keep coming at the fixed rate:
   * a read first loads what was acknowledged before it (up to a second of rows), never waits for a
   * lull. Eleven reads, about half a second apart.
   */
  const readsDuringIngest = async () => {
    const running = atFixedRateLoad(tally);
    const took = [];
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 11; i++) {
      await new Promise((r) => setTimeout(r, 300 + ((i * 37) % 200)));
      const start = performance.now();
      const res = await fetch(`${tally.url}/api/apps/${id}/overview`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.text();
      if (!res.ok) throw new Error(`overview answered ${res.status}`);
      took.push(performance.now() - start);
    }
    await running;
    took.sort((a, b) => a - b);
    return { medianMs: Math.round(median(took)), maxMs: Math.round(took[took.length - 1]) };
  };
  const overviewDuringIngest = await readsDuringIngest();
  const fixedMedian = (xs) => (xs.includes(null) ? null : Math.round(median(xs) * 10) / 10);
  // The round whose ratio is the median speaks for all (its loads are reported together).
  const { ref, refJson, one } = runs.find((r) => r.ratio === median(runs.map((x) => x.ratio)));
  const batched = await measured(tally, batch, 32);
  /**
   * The same single-event requests, each of a new session of the same visitor: a client that
   * rotates session ids, or a CLI run over and over under one machine id. Every request starts a
   * visit, and the visitor's sessions pile up in memory (100,000 and more in one load).
   */
  const newSessions = await measured(
    tally,
    JSON.stringify({
      app: key,
      context: { ...context, session: '[<id>]' },
      events: [{ name: 'pageview', path: '/bench' }],
    }),
    connections,
    { newIds: true },
  );
  const mixed = await mixedLoad();
  const ok = (r) => r['2xx'] / (r.requests.total || 1);
  // Every acknowledged event is stored: the overview counts them (its read loads what is waiting).
  const now = Date.now();
  const overview = await (
    await fetch(`${tally.url}/api/apps/${id}/overview?from=${now - 86_400_000}&to=${now + 60_000}`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json();
  report('ingest', {
    seconds: duration,
    rounds,
    connections,
    bareRequestsPerSecond: ref.requests.average,
    tallySingleEventRequestsPerSecond: one.requests.average,
    ratio: one.requests.average / ref.requests.average,
    ratioTarget: 0.5,
    ratioPerRound: runs.map((r) => round3(r.ratio)),
    loadTool: LOAD_TOOL,
    ...(autocannonRatios.length
      ? {
          ratioWithAutocannon: median(autocannonRatios),
          ratioWithAutocannonPerRound: autocannonRatios.map(round3),
        }
      : {}),
    ratioWithBrowserHeaders: median(browserRatios),
    ratioWithBrowserHeadersPerRound: browserRatios.map(round3),
    // Context for the ratio: the same bare server answering 200 with a small JSON body (what Tally
    // answers when it lists rejected events; a fully accepted batch gets 204 like the bare one), and
    // each server's CPU time per request (all threads; the load tool shares the machine).
    bareJsonRequestsPerSecond: refJson.requests.average,
    ratioToBareJson: one.requests.average / refJson.requests.average,
    cpuMicrosPerRequest: {
      bare: ref.cpuMicrosPerRequest,
      bareJson: refJson.cpuMicrosPerRequest,
      tallySingle: one.cpuMicrosPerRequest,
      tallyBatchedPerEvent:
        batched.cpuMicrosPerRequest === null ? null : Math.round(batched.cpuMicrosPerRequest / 100),
    },
    machineIdleShare: { bare: ref.machineIdleShare, tallySingle: one.machineIdleShare },
    requestThreadMicrosPerRequestAtFixedRate: {
      requestsPerSecond: FIXED_RATE,
      bare: fixedMedian(fixed.bare),
      tally: fixedMedian(fixed.tally),
    },
    newSessionEachRequest: {
      requestsPerSecond: newSessions.requests.average,
      ratioToOneSession: newSessions.requests.average / one.requests.average,
      share2xx: ok(newSessions),
    },
    overviewDuringIngest: { requestsPerSecond: FIXED_RATE, ...overviewDuringIngest },
    mixedTraffic: mixed,
    batchedEventsPerSecond: batched.requests.average * 100,
    batchedTarget: 150_000,
    tallySingleP99ms: one.latency.p99,
    batchedP99ms: batched.latency.p99,
    share2xx: { single: ok(one), batched: ok(batched) },
    // Memory: the most each server held over the whole run (Tally: the loads above and the query).
    peakRssMb: { bare: peakRssMb(bare.child.pid), tally: peakRssMb(tally.child.pid) },
    acknowledgedEvents: acknowledged,
    storedEvents: overview.events,
    everyAcknowledgedEventStored: overview.events >= acknowledged,
    // Stored, never answered: the requests in flight when each load ended (the load tool leaves
    // without reading their answers), at most its connections × events a request per load.
    storedUnanswered: overview.events - acknowledged,
  });
} finally {
  await Promise.all([bare, bareJson, tally].map((p) => stopProcess(p.child)));
  rmSync(dataDir, { recursive: true, force: true });
}
