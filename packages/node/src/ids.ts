import { resolve } from 'node:path';
import { findGit } from './git.js';
import { hmacSha256Hex } from './hash.js';
import { crypto } from './lazy.js';

export { gitRemote, normaliseRemote } from './git.js';

/** First-commit project ids computed earlier, by a keyed hash of the git folder (bounded). */
export type ProjectCache = Record<string, string>;
const CACHE_SIZE = 20;

/** Formats 32 hex digits as a version-4-shaped UUID. */
const asUuid = (h: string) =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;

/**
 * The project id: a UUID-shaped keyed hash (HMAC-SHA-256 under a salt that never leaves this machine)
 * of the normalised git remote, else of the repository's first commit, else of the directory. The same
 * project gives the same id on this machine, and nobody can tell from it which repository or folder
 * it is. Finding the first commit walks git's history once per project: the result is cached.
 */
export function projectId(
  projectDir: string,
  salt: string,
  cache?: ProjectCache,
): { id: string; cache?: ProjectCache } {
  const id = (source: string) => asUuid(hmacSha256Hex(salt, source));
  const git = findGit(projectDir);
  if (git?.remote) return { id: id(`remote:${git.remote}`) };
  if (!git) return { id: id(`dir:${resolve(projectDir)}`) };
  const key = hmacSha256Hex(salt, `gitdir:${git.gitDir}`).slice(0, 32);
  const cached = cache?.[key];
  if (cached) return { id: cached };
  const root = git.firstCommit();
  const value = id(root ? `commit:${root}` : `dir:${resolve(projectDir)}`);
  const entries = Object.entries(cache ?? {}).slice(-(CACHE_SIZE - 1));
  return { id: value, cache: Object.fromEntries([...entries, [key, value]]) };
}

/** A random session id. Not an identifier of anything, so Math.random is enough (no crypto load). */
export const sessionId = () =>
  asUuid(Array.from({ length: 32 }, () => ((Math.random() * 16) | 0).toString(16)).join(''));

export const newMachineId = () => crypto().randomUUID();
export const newSalt = () => crypto().randomBytes(32).toString('hex');
