import { RecentMap } from '../recent-map.js';
import type { IngestResult } from './pipeline.js';

/** Batches remembered: about the last 100,000 (some 20 MB at most). */
const REMEMBERED = 100_000;

/**
 * Step 2b: a batch sent again. The SDKs give each batch an id and keep it when they send it again:
 * an answer lost on its way (a timeout, a dropped connection) makes them resend a batch that was
 * stored. A batch whose app and id are among the last REMEMBERED gets the first one's answer and is
 * not stored twice; while the first is still being written, the second waits for its outcome. A
 * first that failed (a 503, a 400) is forgotten, so sending it again is tried again.
 * Kept in memory only: after a crash a batch sent again is counted again (a clean stop answers every
 * batch in flight, so its clients have nothing to resend).
 */
export class RecentBatches {
  private readonly seen = new RecentMap<string, Promise<IngestResult>>(REMEMBERED);

  once(appId: number, id: string, accept: () => Promise<IngestResult>): Promise<IngestResult> {
    const key = `${appId}:${id}`;
    const known = this.seen.get(key);
    if (known) return known;
    const outcome = accept();
    this.seen.set(key, outcome);
    outcome.catch(() => {
      if (this.seen.get(key) === outcome) this.seen.delete(key);
    });
    return outcome;
  }
}
