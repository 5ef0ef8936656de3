import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crypto } from './lazy.js';

/** The git remote of a project, read from .git/config without running git, normalised so that
 * https and ssh clones of one repository give the same project id. */
export function gitRemote(projectDir: string): string | null {
  try {
    const config = readFileSync(join(projectDir, '.git', 'config'), 'utf8');
    const url = /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/.exec(config)?.[1];
    if (!url) return null;
    return url
      .replace(/^[a-z+]+:\/\/([^@/]+@)?/i, '')
      .replace(/^[^@/]+@([^:]+):/, '$1/')
      .replace(/\.git$/, '')
      .toLowerCase();
  } catch {
    return null;
  }
}

/** A UUID-shaped keyed hash: the same project gives the same id on this machine, and nobody can
 * tell from it which repository or folder it is (the key never leaves the machine). */
export function projectId(projectDir: string, salt: string): string {
  const source = gitRemote(projectDir) ?? `dir:${resolve(projectDir)}`;
  const h = crypto().createHmac('sha256', salt).update(source).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const newMachineId = () => crypto().randomUUID();
export const newSalt = () => crypto().randomBytes(32).toString('hex');
