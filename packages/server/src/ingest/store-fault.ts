import { HttpError } from '../http/errors.js';
import { STORE_RETRY_AFTER } from '../store/types.js';

/** How often a run of failed writes is written to the log: a full disk fails every batch. */
const LOG_EVERY_MS = 10_000;

/**
 * What a batch is answered when the store could not make it durable (a full disk, an I/O error, a
 * journal being closed): 503 with Retry-After, so SDKs keep the batch and send it again. None of it
 * was acknowledged (the journal cuts off whatever part of a failed write reached the file), so a
 * retry stores it once. The cause goes to the operator's log, not to the client.
 */
export function storeFault(now: () => number = Date.now): (err: unknown) => HttpError {
  let loggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return (err) => {
    unlogged++;
    const t = now();
    if (t - loggedAt >= LOG_EVERY_MS) {
      console.error(`tally: could not store ${unlogged} batch(es), answered 503:`, err);
      loggedAt = t;
      unlogged = 0;
    }
    return new HttpError(503, 'the batch could not be stored; none of it was kept: send it again later', {
      'retry-after': STORE_RETRY_AFTER,
    });
  };
}
