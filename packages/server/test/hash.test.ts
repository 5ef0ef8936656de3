import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hash64, keyedHash64, keyedHash64Remembered, remembered } from '../src/ingest/hash.js';

// Visit and session ids already stored were made with createHash/createHmac: a faster way to hash
// must give the very same numbers, or a visit would split at an upgrade.
describe('hash64 and keyedHash64', () => {
  const texts = [
    '',
    'a',
    '1:s1',
    'machine:3:8f14e45f-ceea-467f-a0e6-0a4f2b5d1c9e',
    'ünïcødé 🙂',
    'x'.repeat(1000),
  ];

  it('equal the first 8 bytes of SHA-256 as a signed big-endian integer', () => {
    for (const t of texts) expect(hash64(t)).toBe(createHash('sha256').update(t).digest().readBigInt64BE(0));
  });

  it('keyed: equal the first 8 bytes of HMAC-SHA-256 under the key', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    for (const t of texts)
      expect(keyedHash64(key, t)).toBe(createHmac('sha256', key).update(t).digest().readBigInt64BE(0));
  });
});

describe('remembered hashes', () => {
  it('give the same numbers, compute each text once while it is among the last ones, and stay bounded', () => {
    let computed = 0;
    const h = remembered((t) => {
      computed++;
      return hash64(t);
    }, 4);
    expect([h('a'), h('b'), h('a')]).toEqual([hash64('a'), hash64('b'), hash64('a')]);
    expect(computed).toBe(2);
    h('c');
    h('d'); // four texts, room for four, 'a' read again since 'b': 'b' goes, 'a' stays
    h('a');
    expect(computed).toBe(4);
    h('b');
    expect(computed).toBe(5);
  });

  it('keyed: one memory per key, never mixing two salts', () => {
    const k1 = Buffer.from('0123456789abcdef0123456789abcdef');
    const k2 = Buffer.from('fedcba9876543210fedcba9876543210');
    for (const t of ['1\n198.51.100.7\nFirefox', 'x']) {
      expect(keyedHash64Remembered(k1, t)).toBe(keyedHash64(k1, t));
      expect(keyedHash64Remembered(k2, t)).toBe(keyedHash64(k2, t));
      expect(keyedHash64Remembered(k1, t)).toBe(keyedHash64(k1, t));
    }
  });
});
