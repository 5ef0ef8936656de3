import { BATCH_EVENTS } from './batch.js';
import type { EventSpec } from './types.js';

/** Events every app accepts, with or without a contract (API.md). */
export const BUILTIN_EVENTS: Record<string, EventSpec> = {
  pageview: {
    description: 'A page, screen or dialog was opened (its path, e.g. /settings/general).',
    when: 'when a page, screen or dialog is shown',
  },
  pageleave: {
    description: 'A page, screen or dialog was left, with the time spent on it.',
    when: 'when a page, screen or dialog is left or hidden',
  },
  error: {
    description: 'An error occurred: its message and where (a file or route, without query strings).',
    when: 'when an unexpected error occurs',
    props: {
      message: { type: 'string', description: 'The error message', maxLength: 1000 },
      source: {
        type: 'string',
        description: 'Where the error happened, without query strings',
        maxLength: 2048,
      },
    },
  },
};

/** Upper bounds the server enforces whatever the contract says. */
export const LIMITS = {
  batchEvents: BATCH_EVENTS,
  nameLength: 64,
  pathLength: 2048,
  propsPerEvent: 32,
  propKeyLength: 64,
  defaultStringLength: 256,
  defaultItems: 50,
  contextStringLength: 128,
  /** pageleave durations above one day are not time on a page. */
  maxDurationMs: 86_400_000,
} as const;
