import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Salts } from '../src/ingest/salts.js';
import { cleanup, tempDir } from './support/harness.js';

describe('visitor salts when the disk fails', () => {
  it('a salt that cannot be saved still serves from memory, and is saved (tried every 10 s) once it can be', async () => {
    const dir = tempDir();
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const salts = new Salts(dir);
      rmSync(dir, { recursive: true }); // every write now fails for real (ENOENT)
      const now = Date.UTC(2026, 10, 24, 12);
      const first = salts.current(now); // no throw: the request goes on
      expect(salts.current(now + 1000).today).toEqual(first.today); // the same salt all day
      expect(log).toHaveBeenCalledTimes(1); // said once, not per request
      mkdirSync(dir);
      salts.current(now + 2000); // room again, but the next try is 10 s after the failure
      expect(existsSync(join(dir, 'salts.json'))).toBe(false);
      salts.current(now + 10_000); // saved
      const saved = JSON.parse(readFileSync(join(dir, 'salts.json'), 'utf8')) as Record<string, string>;
      expect(Object.values(saved)).toEqual([first.today.toString('hex')]);
      expect(existsSync(join(dir, 'salts.json.tmp'))).toBe(false);
      expect(new Salts(dir).current(now + 11_000).today).toEqual(first.today); // and a restart keeps it
    } finally {
      log.mockRestore();
      cleanup(dir);
    }
  });
});
