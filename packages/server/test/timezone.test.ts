import { describe, expect, it } from 'vitest';
import { instantOfLocal, offsetAt, offsetSegments } from '../src/queries/timezone.js';

describe('time zone arithmetic for day buckets', () => {
  it('finds a DST change to the minute and local midnights on both sides', () => {
    const from = Date.UTC(2026, 9, 24);
    const to = Date.UTC(2026, 9, 27);
    expect(offsetSegments('Europe/Berlin', from, to)).toEqual([
      { until: Date.UTC(2026, 9, 25, 1), offset: 2 * 3_600_000 },
      { until: to, offset: 3_600_000 },
    ]);
    expect(new Date(instantOfLocal('Europe/Berlin', Date.UTC(2026, 9, 25))).toISOString()).toBe(
      '2026-10-24T22:00:00.000Z',
    );
    expect(new Date(instantOfLocal('Europe/Berlin', Date.UTC(2026, 9, 26))).toISOString()).toBe(
      '2026-10-25T23:00:00.000Z',
    );
    expect(offsetAt('Asia/Kolkata', from)).toBe(5.5 * 3_600_000);
    expect(offsetSegments('UTC', from, to)).toEqual([{ until: to, offset: 0 }]);
  });

  it('refuses an unknown time zone with a clear error', () => {
    expect(() => offsetAt('Mars/Olympus', 0)).toThrow('unknown time zone Mars/Olympus');
  });
});
