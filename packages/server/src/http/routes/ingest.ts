import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Answer, writeAnswer } from '../answer.js';
import { BATCH_PATH, type BatchReceiver } from '../batch-receiver.js';
import { collectBody } from '../body.js';
import { clientAddress } from '../client.js';
import type { Router } from '../router.js';

/** The preflight's answer: any page may send events (with a JSON body too), asked once a day. */
const PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '86400',
};

/** Writes an answer; one that cannot be written (the client went away mid-way) ends the connection. */
function respond(res: ServerResponse, answer: Answer): void {
  try {
    writeAnswer(res, answer);
  } catch {
    res.destroy();
  }
}

/**
 * POST /api/v1/events through node:http: answers once every accepted event is durable (see
 * BatchReceiver). Most batches never come this way: `socket-ingest` reads them off the socket. This
 * takes those it hands over (a batch with `Expect`, chunked, HTTP/1.0 without a length, ...).
 *
 * Returns the server's way in for it, ahead of the router: skipping the URL object, the router and
 * its header handling saves the request thread about 6 µs of 55 per single-event request. Other
 * spellings of the path (a trailing slash) still reach the same handler through the router.
 */
export function registerIngestRoutes(
  router: Router,
  receiver: BatchReceiver,
  options: { maxBody: number; trustProxy: number },
): (req: IncomingMessage, res: ServerResponse) => boolean {
  function answer(req: IncomingMessage, res: ServerResponse, query: string | null): void {
    const address = clientAddress(req, options.trustProxy);
    const refused = receiver.refuse(req.headers['content-type'], address);
    if (refused) {
      respond(res, refused);
      return;
    }
    collectBody(req, options.maxBody, (err, bytes) => {
      if (err) return respond(res, receiver.failed(err));
      const userAgent = String(req.headers['user-agent'] ?? '');
      receiver.receive(bytes as Buffer, query, address, userAgent, (a) => respond(res, a));
    });
  }

  router.add('OPTIONS', BATCH_PATH, 'open', ({ res }) => {
    res.writeHead(204, PREFLIGHT);
    res.end();
  });
  router.post(BATCH_PATH, 'open', ({ req, res, url }) => {
    answer(req, res, url.search || null);
  });

  return (req, res) => {
    const url = req.url ?? '';
    if (
      req.method !== 'POST' ||
      !url.startsWith(BATCH_PATH) ||
      (url.length > BATCH_PATH.length && url[BATCH_PATH.length] !== '?')
    )
      return false;
    answer(req, res, url.length > BATCH_PATH.length ? url.slice(BATCH_PATH.length) : null);
    return true;
  };
}
