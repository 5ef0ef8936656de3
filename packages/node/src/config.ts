import { dirname } from 'node:path';
import { fs } from './lazy.js';

export interface UserConfig {
  enabled?: boolean;
  machineId?: string;
  /** Local secret for project ids; never sent. */
  salt?: string;
  /** The policy version whose notice was shown. */
  noticeVersion?: number;
  /** First-commit project ids already computed (keyed hashes; see ids.ts). */
  projects?: Record<string, string>;
  /** App keys the collector answered 410 for: sending stops. */
  retiredKeys?: string[];
}

export type Read<T> = { ok: true; value: T | null } | { ok: false; why: 'corrupt' | 'unreadable' };

/** Reads a JSON config file: null when absent, not ok when unreadable or corrupt. */
export function readConfig<T>(file: string): Read<T> {
  let text: string;
  try {
    text = fs().readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? { ok: true, value: null }
      : { ok: false, why: 'unreadable' };
  }
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? { ok: true, value: value as T }
      : { ok: false, why: 'corrupt' };
  } catch {
    return { ok: false, why: 'corrupt' };
  }
}

/** Writes a config file atomically; false when the folder is not writable. */
export function writeConfig(file: string, value: unknown): boolean {
  try {
    const { mkdirSync, renameSync, writeFileSync } = fs();
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}

/**
 * 410: the collector retired this app key; no process sends for it again. Recorded in the user
 * config as it is on disk now (another process may have changed it), or on `fallback` when the file
 * cannot be read; without a fallback an unreadable file is left alone.
 */
export function retireKey(file: string, key: string, fallback?: UserConfig): void {
  const cfg = readConfig<UserConfig>(file);
  const user = cfg.ok ? (cfg.value ?? {}) : fallback;
  if (!user) return;
  writeConfig(file, { ...user, retiredKeys: [...new Set([...(user.retiredKeys ?? []), key])] });
}
