import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const dist = (f: string) => new URL(`../dist/${f}`, import.meta.url);

describe.skipIf(!existsSync(dist('index.js')))('tracker size', () => {
  it.each(['index.js', 'tally.js'])('[R14] %s is at most 2,048 bytes minified and gzipped', (file) => {
    const size = gzipSync(readFileSync(dist(file)), { level: 9 }).length;
    expect(size).toBeLessThanOrEqual(2048);
  });
});
