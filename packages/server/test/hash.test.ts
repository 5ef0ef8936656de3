import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hash64, keyedHash64 } from '../src/ingest/hash.js';

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
