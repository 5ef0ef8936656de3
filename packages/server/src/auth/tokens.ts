import { createHash, randomBytes } from 'node:crypto';

/** A random secret for a cookie, API token, setup link or share link. Only its hash is stored. */
export const newSecret = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;

export const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');
