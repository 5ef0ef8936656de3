import type { Services } from '../../services.js';
import { STORE_RETRY_AFTER } from '../../store/types.js';
import { type Router, sendJson } from '../router.js';

const since = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * GET /api/health, for uptime checks: 200 while batches are made durable and loaded; 503 while
 * either fails (a full disk, a failing database), saying which and since when. It is public, so it
 * names no file or database detail (the server log has those), nor any figure of the traffic.
 */
export function registerHealthRoute(router: Router, s: Services): void {
  router.get('/api/health', 'public', ({ res }) => {
    const h = s.events.health();
    if (h.writesFailingSince === null && h.loadsFailingSince === null) return { ok: true };
    const problems = [
      h.writesFailingSince !== null && 'batches cannot be made durable and are answered 503',
      h.loadsFailingSince !== null &&
        'acknowledged events cannot be loaded into the store (they are kept), so reads that need them are answered 503',
    ].filter(Boolean);
    sendJson(
      res,
      503,
      {
        ok: false,
        error: `${problems.join('; ')}; the server log says why`,
        writesFailingSince: since(h.writesFailingSince),
        loadsFailingSince: since(h.loadsFailingSince),
      },
      { 'retry-after': STORE_RETRY_AFTER },
    );
    return undefined;
  });
}
