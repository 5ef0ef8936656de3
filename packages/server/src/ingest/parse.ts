import { LIMITS } from '@tally/contract';
import { HttpError } from '../http/errors.js';

export interface RawBatch {
  key: string;
  context: unknown;
  events: unknown[];
  /** The sender's clock when it sent the batch (ms), if it said: event times are on that clock. */
  sentAt?: number;
  /** The sender's id for this batch, kept when it sends the batch again (see dedupe.ts). */
  id?: string;
}

const BATCH_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Step 1: the body must be a batch: `{app, context?, sentAt?, id?, events: [...]}` with 1 to 500 events. */
export function parseBatch(body: unknown, keyFromQuery: string | null): RawBatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'body must be a JSON object');
  const b = body as Record<string, unknown>;
  const key = b.app ?? keyFromQuery;
  if (typeof key !== 'string' || !key || key.length > 128)
    throw new HttpError(400, 'app key is missing (body "app" or ?app=)');
  if (!Array.isArray(b.events)) throw new HttpError(400, 'events must be an array');
  if (b.events.length === 0) throw new HttpError(400, 'events is empty');
  if (b.events.length > LIMITS.batchEvents)
    throw new HttpError(400, `more than ${LIMITS.batchEvents} events in one batch`);
  if (b.sentAt !== undefined && (typeof b.sentAt !== 'number' || !Number.isFinite(b.sentAt)))
    throw new HttpError(400, 'sentAt must be milliseconds since the epoch');
  if (b.id !== undefined && (typeof b.id !== 'string' || !BATCH_ID.test(b.id)))
    throw new HttpError(400, 'id must be 1 to 64 letters, digits, "-" or "_"');
  return {
    key,
    context: b.context,
    events: b.events,
    ...(b.sentAt !== undefined ? { sentAt: b.sentAt } : {}),
    ...(b.id !== undefined ? { id: b.id } : {}),
  };
}
