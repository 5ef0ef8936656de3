import type { IngestPipeline, IngestRequest } from '../ingest/pipeline.js';
import type { RateLimiter } from '../ingest/rate-limit.js';
import { type Answer, errorAnswer, jsonAnswer } from './answer.js';
import { parseJson } from './body.js';
import { limitKey } from './client.js';
import { HttpError } from './errors.js';
import { SECURITY_HEADERS } from './router.js';

/**
 * Browsers read the other CORS headers only on the preflight; this one, on a batch's answer (an
 * error's too), lets the page that sent it read it.
 */
const HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'access-control-allow-origin': '*',
};

/**
 * 204 when all were accepted: there is nothing to say (a beacon cannot even read an answer), and a
 * JSON body costs the server and every client a write and a parse (a bare server answering one runs
 * at 0.78 of one answering 204).
 */
export const ACCEPTED: Answer = { status: 204, headers: HEADERS };

/** Where batches are sent (`?app=<key>` may follow). */
export const BATCH_PATH = '/api/v1/events';

/** `application/json; charset=utf-8` → `application/json`. */
function mediaType(header: string): string {
  const semi = header.indexOf(';');
  return (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
}

/**
 * POST /api/v1/events as data in, answer out, whichever way the request came (node:http, or
 * `socket-ingest` straight off the socket): in two steps, so a refusal (its type, its address's
 * limit) comes before a body is gathered. Callbacks, not async steps: every await is another turn of
 * the microtask queue, and this runs for every batch.
 */
export class BatchReceiver {
  constructor(
    private readonly ingest: IngestPipeline,
    private readonly limits: { perAddress: RateLimiter; perApp: RateLimiter },
  ) {}

  /** Before the body: 415 for a type that is no batch, 429 for an address over its limit; else null. */
  refuse(contentType: string | undefined, address: string): Answer | null {
    const type = mediaType(contentType ?? 'text/plain');
    if (type !== 'application/json' && type !== 'text/plain')
      return errorAnswer(new HttpError(415, 'send the batch as application/json or text/plain'), HEADERS);
    const wait = this.limits.perAddress.take(limitKey(address));
    if (wait)
      return errorAnswer(
        new HttpError(429, 'too many requests from this address', { 'retry-after': String(wait) }),
        HEADERS,
      );
    return null;
  }

  /**
   * The body, read whole: parse, the app's limit, the pipeline; `done` gets the answer, once, once
   * every accepted event is durable. `query` is the request's query string, if any (`?app=<key>`).
   */
  receive(
    bytes: Buffer,
    query: string | null,
    address: string,
    userAgent: string,
    done: (answer: Answer) => void,
  ): void {
    const fail = (err: unknown) => done(errorAnswer(err, HEADERS));
    let request: IngestRequest;
    try {
      const body = parseJson(bytes);
      const keyFromQuery = query ? new URLSearchParams(query).get('app') : null;
      const key = (body as { app?: unknown })?.app ?? keyFromQuery;
      if (typeof key === 'string') {
        const appWait = this.limits.perApp.take(key);
        if (appWait)
          throw new HttpError(429, 'too many requests for this app', { 'retry-after': String(appWait) });
      }
      request = { body, keyFromQuery, address, userAgent };
    } catch (err) {
      fail(err);
      return;
    }
    this.ingest
      .ingest(request)
      .then(
        (result) =>
          done(
            result.rejected.length
              ? jsonAnswer(200, { accepted: result.accepted, rejected: result.rejected }, HEADERS)
              : ACCEPTED,
          ),
        fail,
      );
  }

  /** An error before the pipeline (a body too large or cut off), with the headers of every answer. */
  failed(err: unknown): Answer {
    return errorAnswer(err, HEADERS);
  }
}
