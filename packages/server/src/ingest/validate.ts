import {
  type BatchContext,
  type Contract,
  validateContext,
  validateEvent,
  type WireEvent,
} from '@tally/contract';
import { HttpError } from '../http/errors.js';

export interface Rejection {
  index: number;
  reason: string;
}

export interface ValidBatch {
  context: BatchContext;
  /** Accepted events with their index in the request and a timestamp filled in. */
  events: Array<{ index: number; event: WireEvent & { ts: number } }>;
  rejected: Rejection[];
}

const FUTURE_MS = 10 * 60_000;

/**
 * How far the sender's clock is from the server's, from the `sentAt` it stamped on the batch: event
 * times are moved by it, so a device whose clock is an hour fast is counted at the right time
 * instead of refused as "in the future". No `sentAt`: event times are taken as they are.
 */
export const clockOffset = (sentAt: number | undefined, now: number) =>
  sentAt === undefined ? 0 : Math.round(now - sentAt);

/** Step 3: each event against the app's contract and the accepted time window. A bad context
 * refuses the batch (400): it applies to every event. A bad event is listed and skipped.
 * `clockOffset` (see the function of that name) moves event times from the sender's clock to the server's. */
export function validateBatch(
  contract: Contract,
  rawContext: unknown,
  rawEvents: unknown[],
  now: number,
  acceptDays: number,
  clockOffset = 0,
): ValidBatch {
  const ctx = validateContext(contract, rawContext);
  if (!ctx.ok) throw new HttpError(400, ctx.reason);
  const oldest = now - acceptDays * 86_400_000;
  const events: ValidBatch['events'] = [];
  const rejected: Rejection[] = [];
  // An event's problem, or the event as it will be stored.
  const check = (raw: unknown): string | (WireEvent & { ts: number }) => {
    const v = validateEvent(contract, raw);
    if (!v.ok) return v.reason;
    const ts = v.event.ts === undefined ? now : v.event.ts + clockOffset;
    if (ts > now + FUTURE_MS) return 'ts is more than 10 minutes in the future';
    if (ts < oldest) return `ts is older than ${acceptDays} days`;
    const event = v.event as WireEvent & { ts: number }; // the validator's own copy: no second one
    event.ts = ts;
    return event;
  };
  rawEvents.forEach((raw, index) => {
    const r = check(raw);
    if (typeof r === 'string') rejected.push({ index, reason: r });
    else events.push({ index, event: r });
  });
  return { context: ctx.context, events, rejected };
}
