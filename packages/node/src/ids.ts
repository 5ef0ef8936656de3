import { resolve } from 'node:path';
import { findGit } from './git.js';
import { hmacSha256Hex } from './hash.js';
import { crypto } from './lazy.js';

export { gitRemote, normaliseRemote } from './git.js';

/** Project ids computed earlier (bounded), by a cache key of their source (see `cacheKey`). */
export type ProjectCache = Record<string, string>;
const CACHE_SIZE = 20;

/** Formats 32 hex digits as a version-4-shaped UUID. */
const asUuid = (h: string) =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;

/**
 * A lookup key for the local cache: two FNV-1a 32-bit hashes of the salted source, so the config
 * file names no folder or remote in clear, and a run with a cached project computes no HMAC.
 */
function cacheKey(salt: string, source: string): string {
  const text = `${salt}\n${source}`;
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * The project id: a UUID-shaped keyed hash (HMAC-SHA-256 under a salt that never leaves this machine)
 * of the normalised git remote, else of the repository's first commit, else of the directory. The same
 * project gives the same id on this machine, and nobody can tell from it which repository or folder
 * it is. Ids are cached per source: the history walk for a first commit, and the HMAC, happen once
 * per project.
 */
export function projectId(
  projectDir: string,
  salt: string,
  cache?: ProjectCache,
): { id: string; cache?: ProjectCache } {
  const git = findGit(projectDir);
  const source = git?.remote
    ? `remote:${git.remote}`
    : git
      ? `gitdir:${git.gitDir}`
      : `dir:${resolve(projectDir)}`;
  const key = cacheKey(salt, source);
  const cached = cache?.[key];
  if (cached) return { id: cached };
  const root = git && !git.remote ? git.firstCommit() : null;
  const hashed = git && !git.remote ? (root ? `commit:${root}` : `dir:${resolve(projectDir)}`) : source;
  const value = asUuid(hmacSha256Hex(salt, hashed));
  const entries = Object.entries(cache ?? {}).slice(-(CACHE_SIZE - 1));
  return { id: value, cache: Object.fromEntries([...entries, [key, value]]) };
}

/** A random session id. Not an identifier of anything, so Math.random is enough (no crypto load). */
export const sessionId = () =>
  asUuid(Array.from({ length: 32 }, () => ((Math.random() * 16) | 0).toString(16)).join(''));

export const newMachineId = () => crypto().randomUUID();
export const newSalt = () => crypto().randomBytes(32).toString('hex');
