// The detached sender: a short-lived CLI hands its spool to this process and exits at once. It
// loads nothing of the host app (only Node built-ins and this package's own small modules) and ends
// by itself at a hard deadline whatever the collector does. It stays a few seconds after its last
// delivery for the batches of the runs that follow (a CLI called in a loop or a script): while it
// is there they spool and exit without starting another process. After a failure it leaves a
// back-off so that the next runs do not start another sender for a while; the batches wait in the
// spool (bounded) for a later run.
import { readConfig, retireKey, type UserConfig } from './config.js';
import { deliverSpooled } from './deliver.js';
import { recordSent } from './history.js';
import { userFileIn } from './paths.js';
import { backoffMs, verdict } from './send.js';
import { setSenderState, spooled } from './spool.js';

const [spoolDir, endpoint, userDir, deadlineMs] = process.argv.slice(2);
const deadline = Date.now() + (Number(deadlineMs) || 10_000);
setTimeout(() => process.exit(0), Math.max(0, deadline - Date.now())).unref();

/** How long the sender waits for more batches after its last delivery, and how often it looks. */
const LINGER_MS = 3000;
const POLL_MS = 200;
/** Runs see the sender as gone this long before it is, so none hands a batch to a sender that is leaving. */
const MARGIN_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(dir: string, url: string, home: string): Promise<void> {
  let leaveAt = Math.min(deadline, Date.now() + LINGER_MS);
  const announce = () => setSenderState(dir, { pid: process.pid, until: leaveAt - MARGIN_MS });
  announce();
  for (;;) {
    const files = spooled(dir);
    if (!files.length) {
      if (Date.now() + POLL_MS < leaveAt - MARGIN_MS) {
        await sleep(POLL_MS);
        continue;
      }
      // Leaving: from now on a run starts its own sender; one last look for a batch that just came.
      setSenderState(dir, null);
      if (!spooled(dir).length) return;
      leaveAt = Math.min(deadline, Date.now() + LINGER_MS);
      announce();
      continue;
    }
    // Read once a round, not once a batch; a key retired during the round is added as it happens.
    const retiredKeys = new Set(retired(home));
    const failed = await deliverSpooled(dir, url, deadline, {
      userDir: home,
      hold: true,
      skip: (body) => {
        const key = appKey(body);
        return !key || retiredKeys.has(key);
      },
      settled: (body, outcome) => {
        const v = verdict(outcome);
        if (v === 'sent') recordSent(home, body);
        if (v === 'retire') {
          const key = appKey(body) as string;
          retiredKeys.add(key);
          retireKey(userFileIn(home), key);
        }
      },
    });
    if (failed) {
      setSenderState(dir, { until: Date.now() + backoffMs(failed) });
      return; // collector down: the rest waits for a later run
    }
    if (Date.now() >= deadline) return;
    leaveAt = Math.min(deadline, Date.now() + LINGER_MS);
    announce();
  }
}

function appKey(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { app?: string }).app;
  } catch {
    return undefined;
  }
}

function retired(home: string): string[] {
  const cfg = readConfig<UserConfig>(userFileIn(home));
  return (cfg.ok && cfg.value?.retiredKeys) || [];
}

if (spoolDir && endpoint && userDir)
  main(spoolDir, endpoint, userDir).then(
    () => process.exit(0),
    () => process.exit(0),
  );
else process.exit(0);
