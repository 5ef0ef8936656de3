import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customRange, isoDay } from '../src/range.js';

describe('a custom range is whole days in the browser’s time zone', () => {
  const tz = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'Europe/Berlin';
  });
  afterAll(() => {
    process.env.TZ = tz;
  });

  it('runs from local midnight to the midnight after To, also across a clock change', () => {
    // 30 March 2025: Berlin moves from UTC+1 to UTC+2, so that day has 23 hours.
    expect(customRange('2025-03-29', '2025-03-30')).toEqual({
      from: Date.UTC(2025, 2, 28, 23),
      to: Date.UTC(2025, 2, 30, 22),
    });
    expect(isoDay(Date.UTC(2025, 2, 30, 22))).toBe('2025-03-31');
  });

  it('is nothing when From is after To or a day is missing', () => {
    expect(customRange('2025-03-30', '2025-03-29')).toBeNull();
    expect(customRange('', '2025-03-29')).toBeNull();
  });
});
