import { describe, expect, it } from 'vitest';
import { count, delta, duration, percent } from '../src/format.js';
import { top, undiscovered } from '../src/insights.js';

describe('formats as the seed shows them', () => {
  it.each([
    [1655, '27m 35s'],
    [363, '6m 3s'],
    [11, '11s'],
    [0, '0s'],
    [3725, '1h 2m'],
    [null, '—'],
  ])('[R6] duration(%s) = %s', (s, text) => {
    expect(duration(s)).toBe(text);
  });

  it('[R6] bounce rate as a whole percent', () => {
    expect(percent(0)).toBe('0%');
    expect(percent(0.625)).toBe('63%');
    expect(percent(null)).toBe('—');
  });

  it('counts and deltas', () => {
    expect(count(13197)).toBe('13,197');
    expect(delta(120, 100)).toBe('+20%');
    expect(delta(80, 100)).toBe('-20%');
    expect(delta(5, 0)).toBeNull();
  });
});

describe('insight sentences', () => {
  it('[Q1] names the top value and its share of visitors', () => {
    expect(
      top(
        [
          { value: 'linux', visitors: 62 },
          { value: 'darwin', visitors: 38 },
        ],
        'os',
        (v, s) => `Most installs run ${v} (${s})`,
      ),
    ).toEqual({
      text: 'Most installs run linux (62%)',
      dimension: 'os',
      value: 'linux',
    });
    expect(top([], 'os', (v) => v)).toBeNull();
  });

  it('[Q3] lists contract pages nobody or almost nobody opened', () => {
    const found = undiscovered(
      ['/a', '/b', '/c'],
      [
        { path: '/a', visitors: 90 },
        { path: '/b', visitors: 1 },
      ],
      100,
    );
    expect(found.map((i) => i.text)).toEqual(['Few open /b (1% of visitors)', 'Nobody opened /c']);
  });

  it('never says "nobody" from a sample of visitors', () => {
    const found = undiscovered(['/a', '/c'], [{ path: '/a', visitors: 96, sample: 1 / 32 }], 100);
    expect(found.map((i) => i.text)).toEqual([
      'Hardly anyone opens /c (no one in a sample of 1 in 32 visitors)',
    ]);
  });
});
