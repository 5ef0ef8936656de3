import { createHash, createHmac } from 'node:crypto';

/** A signed 64-bit integer from the first 8 bytes of a digest: compact to store, ample for counting. */
const toInt64 = (digest: Buffer) => digest.readBigInt64BE(0);

export const hash64 = (text: string): bigint => toInt64(createHash('sha256').update(text).digest());

export const keyedHash64 = (key: Buffer, text: string): bigint =>
  toInt64(createHmac('sha256', key).update(text).digest());
