// The detached sender: a short-lived CLI hands its spool to this process and exits at once. It
// loads nothing of the host app (only Node built-ins and this package's send/spool modules) and
// ends by itself at a hard deadline whatever the collector does.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig, type UserConfig, writeConfig } from './config.js';
import { recordSent } from './history.js';
import { postWithRetry, verdict } from './send.js';
import { readSpooled, spooled } from './spool.js';

const [spoolDir, endpoint, userDir, deadlineMs] = process.argv.slice(2);
const deadline = Date.now() + (Number(deadlineMs) || 10_000);
setTimeout(() => process.exit(0), deadline - Date.now()).unref();

async function main(): Promise<void> {
  if (!spoolDir || !endpoint || !userDir) return;
  for (const file of spooled(spoolDir)) {
    const body = readSpooled(file);
    if (body === null) continue;
    const v = verdict(await postWithRetry(endpoint, body, deadline, true));
    if (v === 'keep') return; // collector down: the rest waits for a later run
    rmSync(file, { force: true });
    if (v === 'sent') recordSent(userDir, body);
    if (v === 'retire') retire(userDir, body);
  }
}

/** 410: the collector retired this app key; no process sends for it again. */
function retire(dir: string, body: string): void {
  const file = join(dir, 'telemetry.json');
  const cfg = readConfig<UserConfig>(file);
  const key = (JSON.parse(body) as { app?: string }).app;
  if (!cfg.ok || !key) return;
  const value = cfg.value ?? {};
  writeConfig(file, { ...value, retiredKeys: [...new Set([...(value.retiredKeys ?? []), key])] });
}

main().then(
  () => process.exit(0),
  () => process.exit(0),
);
