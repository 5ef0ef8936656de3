import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spool, spooled } from '../src/spool.js';

describe('the spool', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves one whole batch, named with its size, and no temporary file', () => {
    dir = mkdtempSync(join(tmpdir(), 'spool-'));
    expect(spool(dir, '{"app":"k","events":[]}')).toBe(true);
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\d+-\d+-\d+-23\.json$/); // its size is in its name
    expect(spooled(dir)).toEqual([join(dir, names[0] as string)]);
  });

  it('never lists a half-written batch, and clears one a crash left behind', () => {
    dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const fresh = join(dir, '1795858000000-1-0-5.json.tmp');
    const old = join(dir, '1795857000000-2-0-5.json.tmp');
    writeFileSync(fresh, '{"ap');
    writeFileSync(old, '{"ap');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(old, twoMinutesAgo, twoMinutesAgo);
    expect(spooled(dir)).toEqual([]);
    expect(existsSync(fresh)).toBe(true); // maybe still being written
    expect(existsSync(old)).toBe(false);
  });
});
