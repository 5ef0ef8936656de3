import type { request as httpRequest } from 'node:http';
import { builtin } from './lazy.js';

/** One generic User-Agent for every installation: it identifies the SDK, never the machine. */
export const USER_AGENT = 'tally-sdk';

export type Outcome = { status: number; retryAfter?: number } | { status: 'network' };

/** POSTs a batch. Never throws. In the host (`hold` false) the socket is unref'd, so a slow
 * collector never holds the host's process open; the detached sender holds it until done. */
export function post(endpoint: string, body: string, timeoutMs: number, hold = false): Promise<Outcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      // relative to the endpoint's own path: a collector behind a proxy at /telemetry/ keeps it
      url = new URL('api/v1/events', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    } catch {
      return resolve({ status: 'network' });
    }
    const request = builtin<{ request: typeof httpRequest }>(
      url.protocol === 'https:' ? 'node:https' : 'node:http',
    ).request;
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
      },
      (res) => {
        res.resume();
        const ra = Number(res.headers['retry-after']);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ...(Number.isFinite(ra) ? { retryAfter: ra } : {}) }),
        );
        res.on('error', () => resolve({ status: 'network' }));
      },
    );
    if (!hold) req.on('socket', (s) => s.unref());
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve({ status: 'network' }));
    req.end(stamped(body));
  });
}

/**
 * The batch with `sentAt`, this machine's clock as it goes out (a spooled batch may go days later):
 * the collector moves event times by the difference to its own clock, so a wrong clock here does
 * not misplace or lose them.
 */
function stamped(body: string): string {
  return body.startsWith('{') ? `{"sentAt":${Date.now()},${body.slice(1)}` : body;
}

export type Verdict = 'sent' | 'drop' | 'retire' | 'keep';

/** After a failure, how long no new detached sender starts: a minute, or what Retry-After asks (≤ 1 h). */
export function backoffMs(o: Outcome): number {
  const asked = 'retryAfter' in o && o.retryAfter !== undefined ? o.retryAfter * 1000 : 0;
  return Math.min(3_600_000, Math.max(60_000, asked));
}

/** What to do with a batch after an answer: 2xx sent, 410 stop this key, other 4xx drop, else keep. */
export function verdict(o: Outcome): Verdict {
  if (o.status === 'network' || o.status === 429 || o.status >= 500) return 'keep';
  if (o.status >= 200 && o.status < 300) return 'sent';
  return o.status === 410 ? 'retire' : 'drop';
}

/** Up to 3 retries with jitter on network errors, 5xx and 429 (honouring Retry-After), within a deadline. */
export async function postWithRetry(
  endpoint: string,
  body: string,
  deadline: number,
  hold = false,
  timeoutMs = 3000,
): Promise<Outcome> {
  let last: Outcome = { status: 'network' };
  for (let attempt = 0; attempt < 4; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    last = await post(endpoint, body, Math.min(timeoutMs, left), hold);
    if (verdict(last) !== 'keep') return last;
    const wait =
      'retryAfter' in last && last.retryAfter !== undefined
        ? last.retryAfter * 1000
        : 200 * 2 ** attempt * (0.5 + Math.random());
    if (Date.now() + wait >= deadline) break;
    await new Promise((r) => {
      const t = setTimeout(r, wait);
      if (!hold) t.unref();
    });
  }
  return last;
}
