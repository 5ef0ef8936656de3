import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * Reads a request body up to `limit` bytes, then calls `done` once: with the body, or with an
 * HttpError (413 for a larger body, refused before it is buffered; 400 for one cut off). Plain
 * stream events and a callback, no promise: this runs for every ingest request.
 */
export function collectBody(
  req: IncomingMessage,
  limit: number,
  done: (err: HttpError | null, body?: Buffer) => void,
): void {
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    done(new HttpError(413, `body is larger than ${limit} bytes`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (err: HttpError | null, body?: Buffer) => {
    if (settled) return;
    settled = true;
    done(err, body);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      req.off('data', onData);
      req.resume();
      settle(new HttpError(413, `body is larger than ${limit} bytes`));
    } else chunks.push(chunk);
  };
  // `on`, not `once`: each comes at most once, and `once` would wrap and later unhook every listener.
  req.on('data', onData);
  req.on('end', () => settle(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
  // A client that goes away mid-body: its fault, not ours; nothing to answer, but nothing may wait
  // forever either. 'close' comes after an abort or an error too (and an 'error' listener would
  // only make the request emit errors it otherwise keeps to itself).
  req.on('close', () => {
    if (!req.complete) settle(new HttpError(400, 'the body was cut off'));
  });
}

/** `collectBody` as a promise (for the routes that are not on the hot path). */
export const readBody = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    collectBody(req, limit, (err, body) => (err ? reject(err) : resolve(body as Buffer))),
  );

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly and parses JSON; both failures are the client's (400). */
export function parseJson(buf: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    throw new HttpError(400, 'body is not valid UTF-8');
  }
  if (!text.trim()) throw new HttpError(400, 'body is empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}
