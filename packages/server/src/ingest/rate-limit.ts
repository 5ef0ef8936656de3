/** Token buckets by name (client address, app key): `rate` requests a second, bursts up to 2×rate. */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when allowed (and a token is taken), else the seconds to wait. */
  take(name: string): number {
    const now = this.now();
    const burst = this.rate * 2;
    const b = this.buckets.get(name) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (this.buckets.size > 100_000) this.buckets.clear(); // bounded memory under a spoofed-address flood
    this.buckets.set(name, b);
    if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
    b.tokens -= 1;
    return 0;
  }
}
