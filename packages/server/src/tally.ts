import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Contract, ContractInput } from '@tally/contract';
import { AppRegistry } from './apps.js';
import { createAuth } from './auth/index.js';
import { type ConfigInput, loadConfig } from './config.js';
import { seedDemo } from './demo/seed.js';
import { BatchReceiver } from './http/batch-receiver.js';
import { sendLanding } from './http/landing.js';
import { Router, SECURITY_HEADERS, sendJson } from './http/router.js';
import { registerAdminRoutes } from './http/routes/admin.js';
import { registerAuthRoutes } from './http/routes/auth.js';
import { registerHealthRoute } from './http/routes/health.js';
import { registerIngestRoutes } from './http/routes/ingest.js';
import { registerQueryRoutes } from './http/routes/queries.js';
import { SocketIngest } from './http/socket-ingest/index.js';
import { packageDist, serveStatic } from './http/static.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { RateLimiter } from './ingest/rate-limit.js';
import { Salts } from './ingest/salts.js';
import { Sessionizer } from './ingest/sessionize.js';
import { enforceRetention } from './retention.js';
import type { Services } from './services.js';
import { removeUnfinishedBackup } from './store/duckdb/backup.js';
import { openDb } from './store/duckdb/db.js';
import { DuckDBEventStore } from './store/duckdb/events.js';
import { DuckDBMetaStore } from './store/duckdb/meta.js';

/** Reads a second through the share links of one app (see Router). */
const SHARE_READS_PER_SECOND = 20;

export interface TallyOptions extends ConfigInput {
  /** A clock for tests (ms since the epoch); the real one otherwise. */
  now?: () => number;
}

export interface Tally {
  url: string;
  port: number;
  server: Server;
  services: Services;
  ingest: IngestPipeline;
  /** Printed once on a first start without TALLY_ADMIN_*: open it to create the first owner. */
  setupUrl?: string;
  createApp(input: {
    name: string;
    contract?: Contract | ContractInput;
  }): Promise<{ id: number; key: string }>;
  /** An API token of the configured admin (tests and scripts). */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a Tally server: store, ingest pipeline, query API, auth and dashboard on one port. */
export async function startTally(options: TallyOptions = {}): Promise<Tally> {
  const config = loadConfig(options);
  const now = options.now ?? Date.now;
  const db = await openDb(config.dataDir, config.dbThreads, config.dbMemory);
  removeUnfinishedBackup(config.dataDir); // after openDb: its lock says no other server uses the folder
  const meta = await DuckDBMetaStore.open(db);
  const events = await DuckDBEventStore.open(db, config.dataDir);
  const apps = new AppRegistry(meta);
  await apps.load();
  const auth = createAuth(meta, config);
  const { setupPath } = await auth.bootstrap();
  const services: Services = { config, meta, events, apps, auth };

  const sessions = new Sessionizer(events, now);
  await sessions.warm();
  const ingest = new IngestPipeline({
    config,
    apps,
    events,
    meta,
    salts: new Salts(config.dataDir),
    sessions,
    now,
  });

  // Bursts of twice the rate: a dashboard view makes about 20 reads at once.
  const router = new Router(auth, new RateLimiter(SHARE_READS_PER_SECOND, now));
  const batches = new BatchReceiver(ingest, {
    perAddress: new RateLimiter(config.ratePerAddress, now),
    perApp: new RateLimiter(config.ratePerApp, now),
  });
  const answerBatch = registerIngestRoutes(router, batches, config);
  registerAuthRoutes(router, services);
  registerAdminRoutes(router, services);
  registerQueryRoutes(router, services);
  registerHealthRoute(router, services);

  const dirs = { dashboard: packageDist('@tally/dashboard'), tracker: packageDist('@tally/browser') };
  /** Set by close(): answers then end their connection, so a busy keep-alive client lets go. */
  let stopping = false;
  const server = createServer((req, res) => {
    if (stopping) res.setHeader('connection', 'close');
    if (answerBatch(req, res)) return; // most requests: straight to ingest (see registerIngestRoutes)
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    let url: URL;
    try {
      // Joined, not resolved: a path that starts with '//' stays a path, not a host name.
      url = new URL(`http://tally.local${req.url ?? '/'}`);
    } catch {
      return sendJson(res, 400, { error: 'bad request line' });
    }
    router
      .handle(req, res, url)
      .then((handled) => {
        if (handled || serveStatic(req, res, url, dirs)) return;
        if (url.pathname === '/' && req.method === 'GET') sendLanding(res);
        else sendJson(res, 404, { error: 'not found' });
      })
      .catch(() => res.destroy());
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const socketIngest = new SocketIngest(server, batches, {
    maxBody: config.maxBody,
    trustProxy: config.trustProxy,
    stopping: () => stopping,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  const timers = [
    setInterval(() => sessions.prune(), 60_000),
    setInterval(() => void ingest.flushRejections().catch(() => {}), 2_000),
    setInterval(() => void enforceRetention(apps, events, now()).catch(() => {}), 3_600_000),
  ];
  await enforceRetention(apps, events, now());
  for (const t of timers) t.unref();

  if (config.demo && apps.list().length === 0) await seedDemo(services, now());

  const tally: Tally = {
    url,
    port,
    server,
    services,
    ingest,
    setupUrl: setupPath ? `${config.publicUrl ?? url}${setupPath}` : undefined,
    async createApp(input) {
      const app = await apps.create(input.name, input.contract);
      return { id: app.id, key: app.key };
    },
    async adminToken() {
      if (!config.adminEmail) throw new Error('no admin email configured');
      return auth.issueToken(config.adminEmail, 'startTally');
    },
    async close() {
      for (const t of timers) clearInterval(t);
      // No new connections; the requests in flight are answered: a batch being written gets its 2xx,
      // so its client does not send it again (to be counted twice). Idle keep-alive connections
      // close at once, busy ones after their next answer; what is left after 5 s is cut.
      stopping = true;
      socketIngest.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idle = setInterval(() => {
        server.closeIdleConnections();
        socketIngest.closeIdle();
      }, 50);
      const cut = setTimeout(() => {
        server.closeAllConnections();
        socketIngest.closeAll();
      }, 5_000);
      await closed;
      clearInterval(idle);
      clearTimeout(cut);
      await ingest.flushRejections().catch(() => {});
      await events.close();
      await meta.close();
      db.writer.closeSync();
      db.instance.closeSync();
    },
  };
  return tally;
}
