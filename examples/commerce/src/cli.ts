#!/usr/bin/env node
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTelemetry } from '@tally/node';
import { handleAdmin } from './admin/handle.js';
import { contract } from './contract.js';
import { openStore } from './store.js';

const VERSION = '2.1.0';
const SIX_HOURS = 6 * 3_600_000;

const telemetry = createTelemetry({
  app: 'acme',
  key: process.env.ACME_TELEMETRY_KEY ?? 'tk_acme_public_key',
  endpoint: 'https://telemetry.acme.example',
  version: VERSION,
  contract,
});

/** `acme start`: the only command that sends anything (a start event, then a ping every 6 hours). */
async function start(): Promise<void> {
  const store = openStore(process.cwd());
  telemetry.track('start', { backendVersion: VERSION, cliVersion: VERSION });
  const ping = setInterval(() => telemetry.track('ping'), SIX_HOURS);
  ping.unref();
  const server = createServer(async (req, res) => {
    if (
      req.url?.startsWith('/admin') &&
      (await handleAdmin(req, res, { store, projectDir: process.cwd(), env: process.env }))
    )
      return;
    if (req.url === '/store') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: store.data.name, ...store.counts() }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  server.listen(Number(process.env.ACME_PORT ?? 9000), '127.0.0.1', () => {
    console.log(`Acme backend listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  const stop = async () => {
    clearInterval(ping);
    server.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

const HELP = `acme ${VERSION}

  acme start                      start the store backend
  acme seed                       write sample store data
  acme telemetry [status]         show whether usage data is sent, and why
  acme telemetry --disable        stop sending usage data for this project (--enable to resume)`;

async function main(argv: string[]): Promise<void> {
  if (await telemetry.command(argv)) return;
  switch (argv[0]) {
    case 'start':
      return start();
    case 'seed': {
      const store = openStore(process.cwd(), true);
      console.log(`Seeded ${store.data.name}: ${JSON.stringify(store.counts())}`);
      return;
    }
    case '--version':
    case '-v':
      console.log(VERSION);
      return;
    default:
      console.log(HELP);
  }
}

await main(process.argv.slice(2));
