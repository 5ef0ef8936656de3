/** Events in one batch at most (LIMITS.batchEvents: the collector refuses a larger batch whole). */
export const BATCH_EVENTS = 500;

/**
 * Bytes of events in one request at most: far below the collector's body limit, and under the 64 KB
 * a browser allows for a beacon or a keepalive request.
 */
const BATCH_BYTES = 60_000;

/**
 * Splits events, in order, into batches the collector takes whole: at most BATCH_EVENTS events and
 * about BATCH_BYTES of JSON each (an event larger than that goes alone).
 */
export function batchesOf<E>(events: E[]): E[][] {
  const out: E[][] = [];
  let batch: E[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = JSON.stringify(e).length;
    if (batch.length && (batch.length >= BATCH_EVENTS || bytes + size > BATCH_BYTES)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(e);
    bytes += size;
  }
  if (batch.length) out.push(batch);
  return out;
}

/**
 * A random id, for a batch (kept when the batch is sent again, so the collector stores it once) or
 * a browser session. Math.random is enough: it identifies nothing of a machine or a person, and an
 * SDK need load no crypto for it.
 */
export const randomId = () => Math.random().toString(36).slice(2) + Date.now().toString(36);
