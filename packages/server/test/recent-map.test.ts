import { describe, expect, it } from 'vitest';
import { RecentMap } from '../src/recent-map.js';

describe('RecentMap', () => {
  it('never holds more than its capacity, however many new keys come', () => {
    const m = new RecentMap<string, number>(100);
    for (let i = 0; i < 10_000; i++) {
      m.set(`k${i}`, i);
      expect(m.size).toBeLessThanOrEqual(100);
    }
    expect(m.get('k9999')).toBe(9999);
    expect(m.get('k0')).toBeUndefined();
  });

  it('keeps a key that is used among a flood of new ones, and drops one that is not', () => {
    const m = new RecentMap<string, string>(100);
    m.set('busy', 'kept');
    m.set('idle', 'dropped');
    for (let i = 0; i < 5_000; i++) {
      m.set(`one-off-${i}`, 'x');
      if (i % 40 === 0) expect(m.get('busy')).toBe('kept'); // read more often than 50 new keys come
    }
    expect(m.get('busy')).toBe('kept');
    expect(m.get('idle')).toBeUndefined();
  });

  it('a set replaces the value, a delete removes the key from both generations', () => {
    const m = new RecentMap<string, number>(4);
    m.set('a', 1);
    m.set('b', 2); // the young generation is full: a and b are now the old one
    m.set('a', 3);
    expect(m.get('a')).toBe(3);
    m.delete('b');
    m.delete('a');
    expect([m.get('a'), m.get('b')]).toEqual([undefined, undefined]);
  });

  it('getOrMake makes a missing value once and keeps it', () => {
    const m = new RecentMap<string, number>(10);
    let made = 0;
    const make = (key: string) => {
      made++;
      return key.length;
    };
    expect([m.getOrMake('abc', make), m.getOrMake('abc', make), m.getOrMake('de', make)]).toEqual([3, 3, 2]);
    expect(made).toBe(2);
  });
});
