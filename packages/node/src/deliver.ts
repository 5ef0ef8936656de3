import { completeSpooled } from './context.js';
import { fs } from './lazy.js';
import { type Outcome, postWithRetry, verdict } from './send.js';
import { claim, readSpooled, release, spooled } from './spool.js';

export interface Delivery {
  /** The user config folder: its salt gives a spooled batch its project id (see context.ts). */
  userDir: string;
  /** Keep the process alive while a request is out (the detached sender does; a host does not). */
  hold: boolean;
  /** A batch not to send at all (it is deleted). */
  skip?: (body: string) => boolean;
  /** Stop before the next batch. */
  stop?: () => boolean;
  /** The collector's answer to a batch it did not refuse for now (sent, dropped, or key retired). */
  settled: (body: string, outcome: Outcome) => void;
}

/**
 * Delivers the spool's batches, oldest first, each claimed so no other process sends it too. Stops
 * at `deadline`, or at the first answer that says try later (network error, 5xx, 429): that batch
 * goes back to the spool and its outcome is returned. Null when every batch was dealt with.
 */
export async function deliverSpooled(dir: string, url: string, deadline: number, d: Delivery) {
  for (const file of spooled(dir)) {
    if (d.stop?.() || Date.now() >= deadline) return null;
    const claimed = claim(file);
    if (!claimed) continue;
    const spooledText = readSpooled(claimed);
    const body = spooledText === null ? null : completeSpooled(spooledText, d.userDir);
    if (body === null || d.skip?.(body)) {
      fs().rmSync(claimed, { force: true });
      continue;
    }
    const outcome: Outcome = await postWithRetry(url, body, deadline, d.hold);
    if (verdict(outcome) === 'keep') {
      release(claimed);
      return outcome;
    }
    fs().rmSync(claimed, { force: true });
    d.settled(body, outcome);
  }
  return null;
}
