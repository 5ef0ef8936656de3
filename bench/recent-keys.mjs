// The memories on the request path keep what is in use among many other keys, and a busy key must
// cost about the same among many others as alone, give or take a bigger table's cache misses:
// - the bounded maps (rate limits per address and app, remembered hashes, parsed User-Agents): a
//   one-Map LRU that re-set a key on every use did not (V8 keeps deleted entries in the key's hash
//   chain): 30-79 µs per rate-limit take for a busy address among 50,000 others;
// - visits in memory: looked for among all of a visitor's, an event of a visitor with 10,000
//   sessions (a CLI run by a build farm under one machine id) cost 150-200 µs.
import { RateLimiter } from '../packages/server/dist/ingest/rate-limit.js';
import { Sessionizer } from '../packages/server/dist/ingest/sessionize.js';
import { median, report } from './lib.mjs';

const OTHERS = 50_000;
const TAKES = 100_000;
const SESSIONS = 10_000;

/** µs per take of one busy address, after `others` other addresses were seen. */
function busyTake(others) {
  const limiter = new RateLimiter(1e9, Date.now, 100_000);
  for (let i = 0; i < others; i++) limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const start = performance.now();
  for (let i = 0; i < TAKES; i++) limiter.take('192.0.2.1');
  return ((performance.now() - start) * 1000) / TAKES;
}

/** µs per event of a visitor's new session, once the visitor has `sessions` others in memory. */
async function newSessionEvent(sessions) {
  const now = Date.now();
  const visits = new Sessionizer({ recentVisits: async () => [], visitsNear: async () => [] }, () => now);
  for (let s = 0; s < sessions; s++) await visits.assign(1, 42n, BigInt(s), [now]);
  const start = performance.now();
  for (let s = 0; s < 2000; s++) await visits.assign(1, 42n, BigInt(1e9 + s), [now]);
  return ((performance.now() - start) * 1000) / 2000;
}

const take = { alone: [], among: [] };
const event = { alone: [], among: [] };
for (let round = 0; round < 5; round++) {
  take.alone.push(busyTake(0));
  take.among.push(busyTake(OTHERS));
  event.alone.push(await newSessionEvent(0));
  event.among.push(await newSessionEvent(SESSIONS));
}
const figures = (m) => ({ alone: +median(m.alone).toFixed(3), among: +median(m.among).toFixed(3) });
const ratio = (m) => +(median(m.among) / median(m.alone)).toFixed(2);
report('recent-keys', {
  busyAddressTakeMicros: { ...figures(take), others: OTHERS, ratio: ratio(take) },
  newSessionEventMicros: { ...figures(event), otherSessions: SESSIONS, ratio: ratio(event) },
  // A lookup in a table of 50,000 keys misses the CPU's caches more than in a table of one: measured
  // 1.0-1.6 times. The one-Map LRU read 337; visits kept by visitor alone 9.4 (200 µs against 21).
  ratioTarget: 3,
});
