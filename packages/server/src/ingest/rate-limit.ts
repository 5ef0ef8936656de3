import { RecentMap } from '../recent-map.js';

/**
 * Token buckets by name (client address, app key): `rate` requests a second, bursts up to 2×rate.
 * At most `capacity` names are kept, least recently seen dropped first: a flood of new addresses
 * pushes out one-off visitors, never the address that keeps asking (its limit is not lifted).
 */
export class RateLimiter {
  private readonly buckets: RecentMap<string, { tokens: number; at: number }>;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
    capacity = 100_000,
  ) {
    this.buckets = new RecentMap(capacity);
  }

  /** 0 when allowed (and a token is taken), else the seconds to wait. */
  take(name: string): number {
    const now = this.now();
    const burst = this.rate * 2;
    const b = this.buckets.getOrMake(name, () => ({ tokens: burst, at: now }));
    // A clock stepped back (NTP, a VM resumed) refills nothing: negative time would otherwise take
    // away an hour of tokens for an hour's step, and shut every known client out that long.
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
    b.tokens -= 1;
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }
}
