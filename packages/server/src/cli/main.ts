#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineContract, renderUsageDocs } from '@tally/contract';

const HELP = `tally — privacy-first usage telemetry

  tally serve [--demo]       start the collector, query API and dashboard
  tally docs <contract>      print the Usage information page of a contract
                             (a .js/.mjs module whose default export is a contract, or a .json file)
  tally compact              with the server stopped: rewrite the database so that erased and
                             expired events leave the disk, not only the query results
  tally restore <backup>     with the server stopped: put a backup (GET /api/backup, or Settings →
                             Download a backup) in place as the database of an empty TALLY_DATA_DIR

Environment: TALLY_PORT (8787), TALLY_HOST (127.0.0.1), TALLY_DATA_DIR (./.tally),
TALLY_ADMIN_EMAIL + TALLY_ADMIN_PASSWORD (first owner), TALLY_TRUST_PROXY=N, TALLY_DEMO=1.`;

async function serve(args: string[]): Promise<void> {
  const demo = args.includes('--demo') || process.env.TALLY_DEMO === '1';
  if (demo && !process.env.TALLY_ADMIN_EMAIL) {
    process.env.TALLY_ADMIN_EMAIL = 'demo@tally.local';
    process.env.TALLY_ADMIN_PASSWORD ??= 'tally-demo-password';
  }
  // Loaded here so `tally docs` does not start up the server stack.
  const { startTally } = await import('../tally.js');
  const tally = await startTally({ demo });
  const { config } = tally.services;
  console.log(`Tally is running at ${tally.url}  (data: ${config.dataDir})`);
  if (tally.setupUrl) console.log(`Create the first account: ${tally.setupUrl}`);
  else if (demo)
    console.log(
      `Log in with ${config.adminEmail} / ${config.adminPassword === 'tally-demo-password' ? 'tally-demo-password' : '(TALLY_ADMIN_PASSWORD)'}`,
    );
  const stop = () => {
    tally.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function docs(args: string[]): Promise<void> {
  const file = args[0];
  if (!file) throw new Error('usage: tally docs <contract.js|contract.json>');
  const path = resolve(file);
  const raw = path.endsWith('.json')
    ? JSON.parse(readFileSync(path, 'utf8'))
    : ((await import(pathToFileURL(path).href)) as { default?: unknown; contract?: unknown });
  const input = path.endsWith('.json') ? raw : (raw.default ?? raw.contract);
  process.stdout.write(renderUsageDocs(defineContract(input)));
}

async function compact(): Promise<void> {
  const { loadConfig } = await import('../config.js');
  const { compactDatabase } = await import('../store/duckdb/compact.js');
  const { dataDir } = loadConfig();
  const { bytesBefore, bytesAfter } = await compactDatabase(dataDir);
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  console.log(`Compacted ${dataDir}: ${mb(bytesBefore)} -> ${mb(bytesAfter)}`);
}

async function restore(args: string[]): Promise<void> {
  const file = args[0];
  if (!file) throw new Error('usage: tally restore <backup.duckdb>');
  const { loadConfig } = await import('../config.js');
  const { restoreBackup } = await import('../store/duckdb/backup.js');
  const { dataDir } = loadConfig();
  const r = await restoreBackup(resolve(file), dataDir);
  console.log(`Restored ${file} into ${dataDir}: ${r.apps} apps, ${r.events} events.`);
  if (r.journalSegmentsToLoad)
    console.log(
      `${r.journalSegmentsToLoad} journal segment(s) in ${dataDir}/journal hold events the backup lacks: they load at the next start.`,
    );
  console.log('Start the server with: tally serve');
}

const commands: Record<string, (args: string[]) => Promise<void>> = { serve, docs, compact, restore };
const [command, ...rest] = process.argv.slice(2);
const run = command && Object.hasOwn(commands, command) ? commands[command] : undefined;
if (!run) {
  console.log(HELP);
  process.exit(command && command !== 'help' && command !== '--help' ? 2 : 0);
} else {
  run(rest).catch((err: Error) => {
    console.error(`tally: ${err.message}`);
    process.exit(1);
  });
}
