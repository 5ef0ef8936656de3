import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/ingest/rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst of 2×rate, then says how many seconds to wait, and refills with time', () => {
    let now = 0;
    const limit = new RateLimiter(5, () => now);
    const answers = Array.from({ length: 11 }, () => limit.take('a'));
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(answers[10]).toBe(1);
    now += 1000; // five tokens back
    expect(Array.from({ length: 6 }, () => limit.take('a'))).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('keeps at most `capacity` names, least recently seen dropped first, so a flood of new addresses does not lift a busy address’s limit', () => {
    let now = 0;
    const limit = new RateLimiter(1, () => now, 100);
    // One abusive address spends its burst.
    expect([limit.take('abuser'), limit.take('abuser'), limit.take('abuser')]).toEqual([0, 0, 1]);
    // Many one-off addresses over 5 s (their buckets refill), while the abuser keeps asking: it earns
    // one request a second, and must not get a fresh burst whenever the one-offs fill the table.
    let allowed = 0;
    for (let i = 0; i < 500; i++) {
      now += 10;
      limit.take(`one-off-${i}`);
      if (limit.take('abuser') === 0) allowed++;
    }
    expect(limit.size).toBeLessThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(5);
  });

  it('a clock stepped back an hour shuts no one out: the bucket just does not refill for the step', () => {
    let now = 3_600_000;
    const limit = new RateLimiter(5, () => now);
    for (let i = 0; i < 10; i++) limit.take('a'); // the burst spent
    now -= 3_600_000; // NTP steps the clock back an hour
    expect(limit.take('a')).toBe(1); // a second, as before the step, not an hour
    now += 1000;
    expect(limit.take('a')).toBe(0);
    expect(limit.take('b')).toBe(0);
  });
});
