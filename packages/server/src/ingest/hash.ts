import * as crypto from 'node:crypto';

/** A signed 64-bit integer from the first 8 bytes of a digest: compact to store, ample for counting. */
const toInt64 = (digest: Buffer) => digest.readBigInt64BE(0);

// One-shot hashing (Node ≥ 20.12) skips the Hash object a request would otherwise build and drop.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'buffer') => Buffer }).hash;
const sha256 = oneShot
  ? (text: string) => oneShot('sha256', text, 'buffer')
  : (text: string) => crypto.createHash('sha256').update(text).digest();

export const hash64 = (text: string): bigint => toInt64(sha256(text));

export const keyedHash64 = (key: Buffer, text: string): bigint =>
  toInt64(crypto.createHmac('sha256', key).update(text).digest());
