import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe('a salts file damaged on disk', () => {
  it.each([
    ['cut off', '{"20781":"ab'],
    ['not an object', '["00"]'],
    ['a salt that is no hex', '{"20781":"zz"}'],
    ['a day that is no number', `{"x":"${'a'.repeat(64)}"}`],
    ['a salt of another type', '{"20781":5}'],
  ])('%s: stops no start; new salts, the file written anew, the log says so once', (_what, text) => {
    const dir = tempDir();
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      writeFileSync(join(dir, 'salts.json'), text);
      const now = Date.UTC(2026, 10, 24, 12);
      const { today, yesterday } = new Salts(dir).current(now);
      expect(today).toHaveLength(32);
      expect(yesterday).toBeNull();
      expect(log).toHaveBeenCalledTimes(1);
      expect(String(log.mock.calls[0]?.[0])).toContain('new salts');
      expect(new Salts(dir).current(now).today).toEqual(today); // saved whole: a restart keeps it
      expect(log).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
      cleanup(dir);
    }
  });
});
