import { RecentMap } from '../recent-map.js';

/**
 * Failed logins per client address and per email: 10 in 15 minutes, then wait. A success resets.
 * At most `capacity` keys are kept, least recently failed dropped first: failures sprayed from many
 * addresses never reset the count of the account they aim at.
 */
export class LoginLimit {
  private readonly failures: RecentMap<string, number[]>;

  constructor(
    private readonly max = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
    capacity = 50_000,
  ) {
    this.failures = new RecentMap(capacity);
  }

  private recent(key: string): number[] {
    const now = this.now();
    const cutoff = now - this.windowMs;
    // A failure "after" now (the clock was stepped back) counts as now: it keeps a lock for the
    // window, not for the window and the step.
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff).map((t) => Math.min(t, now));
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds to wait before another attempt for any of the keys, or 0. */
  retryAfter(keys: string[]): number {
    let wait = 0;
    for (const key of keys) {
      const list = this.recent(key);
      if (list.length >= this.max)
        wait = Math.max(wait, Math.ceil(((list[0] as number) + this.windowMs - this.now()) / 1000));
    }
    return wait;
  }

  fail(keys: string[]): void {
    for (const key of keys) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  get size(): number {
    return this.failures.size;
  }

  succeed(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
