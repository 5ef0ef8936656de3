import { describe, expect, it, vi } from 'vitest';
import { parseUserAgent } from '../src/ingest/user-agent.js';

// Counts the real parses (Bowser runs as it is).
const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock('bowser', async (original) => {
  const real = (await original<{ default: typeof import('bowser') }>()).default;
  return {
    default: {
      ...real,
      parse: (ua: string) => {
        parses.count++;
        return real.parse(ua);
      },
    },
  };
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';

describe('parseUserAgent', () => {
  it('gives coarse os, browser and device', () => {
    expect(parseUserAgent(FIREFOX)).toEqual({
      os: 'Linux',
      osVersion: null,
      browser: 'Firefox',
      device: 'desktop',
    });
    expect(parseUserAgent('')).toEqual({ os: null, osVersion: null, browser: null, device: null });
  });

  it('parses a User-Agent seen lately once, and a flood of new ones does not push out one in use', () => {
    parseUserAgent(FIREFOX);
    parses.count = 0;
    for (let i = 0; i < 5000; i++) {
      parseUserAgent(`flood/${i}`);
      if (i % 100 === 0) expect(parseUserAgent(FIREFOX).browser).toBe('Firefox'); // still in use
    }
    expect(parses.count).toBe(5000); // each new one once, the one in use never again
    parses.count = 0;
    parseUserAgent('flood/0'); // long out of the cache (it holds 2000)
    expect(parses.count).toBe(1);
  });
});
