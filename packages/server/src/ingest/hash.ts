import * as crypto from 'node:crypto';
import { RecentMap } from '../recent-map.js';

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

/**
 * `fn` remembering its last `capacity` answers. A client sends many batches in a visit; each one
 * after the first costs a Map lookup instead of a hash (the hashes were a tenth of an ingest request).
 */
export function remembered(fn: (text: string) => bigint, capacity: number): (text: string) => bigint {
  const known = new RecentMap<string, bigint>(capacity);
  return (text) => known.getOrMake(text, fn);
}

const byKey = new WeakMap<Buffer, (text: string) => bigint>();

/**
 * `keyedHash64`, remembered per key. What a salt remembers goes with the salt: once the salt is
 * destroyed nothing holds its hashes (or the addresses they were made from).
 */
export function keyedHash64Remembered(key: Buffer, text: string): bigint {
  let fn = byKey.get(key);
  if (!fn) {
    fn = remembered((t) => keyedHash64(key, t), 20_000);
    byKey.set(key, fn);
  }
  return fn(text);
}
