import { describe, expect, it } from 'vitest';
import { LoginLimit } from '../src/auth/login-limit.js';

describe('LoginLimit', () => {
  it('makes an address or email wait after 10 failures in 15 minutes; a success resets', () => {
    let now = 0;
    const limit = new LoginLimit(10, 15 * 60_000, () => now);
    for (let i = 0; i < 10; i++) limit.fail(['addr:1', 'email:a@example.com']);
    expect(limit.retryAfter(['addr:2', 'email:a@example.com'])).toBe(900);
    now += 15 * 60_000 + 1;
    expect(limit.retryAfter(['email:a@example.com'])).toBe(0);
    for (let i = 0; i < 10; i++) limit.fail(['email:b@example.com']);
    limit.succeed(['email:b@example.com']);
    expect(limit.retryAfter(['email:b@example.com'])).toBe(0);
  });

  it('stays bounded, and an account tried from ever new addresses stays limited all along', () => {
    const limit = new LoginLimit(10, 15 * 60_000, () => 0, 100);
    let unlimited = 0;
    for (let i = 0; i < 5000; i++) {
      limit.fail([`addr:${i}`, 'email:target@example.com']);
      if (i >= 9 && limit.retryAfter(['email:target@example.com']) === 0) unlimited++;
    }
    expect(unlimited).toBe(0);
    expect(limit.size).toBeLessThanOrEqual(100);
  });

  it('a clock stepped back an hour keeps a lock for the window, not for the window and the hour', () => {
    let now = 3_600_000;
    const limit = new LoginLimit(10, 15 * 60_000, () => now);
    for (let i = 0; i < 10; i++) limit.fail(['1.2.3.4']);
    now -= 3_600_000;
    expect(limit.retryAfter(['1.2.3.4'])).toBe(15 * 60);
    now += 15 * 60_000 + 1;
    expect(limit.retryAfter(['1.2.3.4'])).toBe(0);
  });
});
