import type { IngestPipeline } from '../../ingest/pipeline.js';
import type { RateLimiter } from '../../ingest/rate-limit.js';
import type { Services } from '../../services.js';
import { parseJson, readBody } from '../body.js';
import { clientAddress } from '../client.js';
import { HttpError } from '../errors.js';
import type { Router } from '../router.js';

/** The preflight's answer: any page may send events (with a JSON body too), asked once a day. */
const PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '86400',
};

/** POST /api/v1/events: answers 200 only once every accepted event is durable. */
export function registerIngestRoutes(
  router: Router,
  s: Services,
  ingest: IngestPipeline,
  limits: { perAddress: RateLimiter; perApp: RateLimiter },
): void {
  router.add('OPTIONS', '/api/v1/events', 'open', ({ res }) => {
    res.writeHead(204, PREFLIGHT);
    res.end();
  });
  router.post('/api/v1/events', 'open', async ({ req, res, url }) => {
    // Browsers read the other CORS headers only on the preflight; this one lets the page see the answer.
    res.setHeader('access-control-allow-origin', '*');
    const type = String(req.headers['content-type'] ?? 'text/plain')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (type !== 'application/json' && type !== 'text/plain')
      throw new HttpError(415, 'send the batch as application/json or text/plain');
    const address = clientAddress(req, s.config.trustProxy);
    const wait = limits.perAddress.take(address);
    if (wait)
      throw new HttpError(429, 'too many requests from this address', { 'retry-after': String(wait) });
    const body = parseJson(await readBody(req, s.config.maxBody));
    const keyFromQuery = url.search ? url.searchParams.get('app') : null;
    const key = (body as { app?: unknown })?.app ?? keyFromQuery;
    if (typeof key === 'string') {
      const appWait = limits.perApp.take(key);
      if (appWait)
        throw new HttpError(429, 'too many requests for this app', { 'retry-after': String(appWait) });
    }
    const result = await ingest.ingest({
      body,
      keyFromQuery,
      address,
      userAgent: String(req.headers['user-agent'] ?? ''),
    });
    return { accepted: result.accepted, rejected: result.rejected };
  });
}
