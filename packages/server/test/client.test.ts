import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { clientAddress } from '../src/http/client.js';

const req = (forwarded?: string | string[]) =>
  ({
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    socket: { remoteAddress: '127.0.0.1' },
  }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the socket address unless proxies are trusted', () => {
    expect(clientAddress(req('6.6.6.6'), 0)).toBe('127.0.0.1');
    expect(clientAddress(req(), 1)).toBe('127.0.0.1');
  });

  it('behind N trusted proxies, is the entry N hops from the right (the left ones are the client’s own words)', () => {
    expect(clientAddress(req('6.6.6.6, 203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientAddress(req('6.6.6.6, 203.0.113.9, 10.0.0.2'), 2)).toBe('203.0.113.9');
    expect(clientAddress(req(['6.6.6.6', '203.0.113.9']), 1)).toBe('203.0.113.9');
    expect(clientAddress(req('203.0.113.9'), 2)).toBe('203.0.113.9'); // a shorter chain: its first
  });

  it('TALLY_TRUST_PROXY is a number of proxies (1 as before); anything else is none', () => {
    expect(loadConfig({}, { TALLY_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({}, { TALLY_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({}, { TALLY_TRUST_PROXY: 'yes' }).trustProxy).toBe(0);
    expect(loadConfig({}, {}).trustProxy).toBe(0);
    expect(loadConfig({ trustProxy: true }, {}).trustProxy).toBe(1);
  });
});

describe('TALLY_PUBLIC_URL', () => {
  it('loses a trailing slash, so links made from it never hold a "//" (which a browser reads as a host)', () => {
    expect(loadConfig({}, { TALLY_PUBLIC_URL: 'https://tally.example.com/' }).publicUrl).toBe(
      'https://tally.example.com',
    );
    expect(loadConfig({}, { TALLY_PUBLIC_URL: 'https://example.com/tally//' }).publicUrl).toBe(
      'https://example.com/tally',
    );
    expect(loadConfig({}, {}).publicUrl).toBeUndefined();
  });
});
