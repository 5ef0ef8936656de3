import type { ServerResponse } from 'node:http';
import { STORE_RETRY_AFTER, StoreUnavailableError } from '../store/types.js';
import { HttpError } from './errors.js';

/**
 * An answer as data: the status, its headers and a body, if any. Written by node:http (`writeAnswer`)
 * or straight onto a socket (`socket-ingest/response.ts`): the batch route answers both ways.
 */
export interface Answer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body?: string;
}

/** A JSON answer, with its length (known, it goes out in one write; without, Node chunks it). */
export function jsonAnswer(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Answer {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    },
    body: text,
  };
}

/** The answer to a failed request: an HttpError's status and message, anything else 500 (logged). */
export function errorAnswer(err: unknown, headers?: Readonly<Record<string, string>>): Answer {
  if (err instanceof HttpError)
    return jsonAnswer(err.status, { error: err.message }, { ...headers, ...err.headers });
  if (err instanceof StoreUnavailableError) {
    console.error('tally: answered 503:', err.message, err.cause);
    return jsonAnswer(503, { error: err.message }, { ...headers, 'retry-after': STORE_RETRY_AFTER });
  }
  console.error('tally: internal error', err);
  return jsonAnswer(500, { error: 'internal error' }, headers);
}

export function writeAnswer(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}
