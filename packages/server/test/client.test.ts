import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { clientAddress, limitKey } from '../src/http/client.js';

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

  it('TALLY_TRUST_PROXY is a number of proxies (1 as before); a word is refused, not read as none', () => {
    expect(loadConfig({}, { TALLY_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({}, { TALLY_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({}, { TALLY_TRUST_PROXY: '' }).trustProxy).toBe(0);
    expect(loadConfig({}, {}).trustProxy).toBe(0);
    expect(loadConfig({ trustProxy: true }, {}).trustProxy).toBe(1);
    // "yes" read as 0 would put every client behind the proxy's one address (one rate limit for all)
    expect(() => loadConfig({}, { TALLY_TRUST_PROXY: 'yes' })).toThrow(
      'TALLY_TRUST_PROXY must be a whole number from 0 up, not "yes"',
    );
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

describe('numeric settings', () => {
  const cases: Array<[string, string, keyof ReturnType<typeof loadConfig>, number]> = [
    ['TALLY_PORT', '9000', 'port', 9000],
    ['TALLY_ACCEPT_DAYS', '30', 'acceptDays', 30],
    ['TALLY_MAX_BODY', '65536', 'maxBody', 65536],
    ['TALLY_RATE_PER_ADDRESS', '50', 'ratePerAddress', 50],
    ['TALLY_RATE_PER_APP', '100000', 'ratePerApp', 100000],
    ['TALLY_SAMPLE_ABOVE', '0', 'sampleAbove', 0],
    ['TALLY_DB_THREADS', '4', 'dbThreads', 4],
  ];
  it('read whole numbers, and fall back to the default when unset or empty', () => {
    for (const [name, value, key, want] of cases) {
      expect(loadConfig({}, { [name]: value })[key]).toBe(want);
      expect(loadConfig({}, { [name]: '' })[key]).toBe(loadConfig({}, {})[key]);
    }
  });
  it('refuse anything else with a message naming the variable, instead of quietly using the default', () => {
    for (const [name] of cases)
      for (const bad of ['abc', '1.5', '-3', '0x10', '1e3'])
        expect(() => loadConfig({}, { [name]: bad }), `${name}=${bad}`).toThrow(name);
    expect(() => loadConfig({}, { TALLY_PORT: '70000' })).toThrow(
      'TALLY_PORT must be a whole number from 0 to 65535',
    );
    expect(() => loadConfig({}, { TALLY_RATE_PER_ADDRESS: '0' })).toThrow('from 1 up');
    expect(() => loadConfig({}, { TALLY_DB_THREADS: '0' })).toThrow('from 1 up');
  });
});

describe('limitKey: what a client\u2019s rate limits count under', () => {
  it('an IPv4 address is itself, whether the socket writes it as IPv4 or inside IPv6', () => {
    expect(limitKey('203.0.113.9')).toBe('203.0.113.9');
    expect(limitKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(limitKey('::FFFF:203.0.113.9')).toBe('203.0.113.9');
  });

  it('an IPv6 address is its /64: every address a host may pick in it counts as one', () => {
    const one = [
      '2001:db8:1:2::1',
      '2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd',
      '2001:DB8:1:2:ffff::',
      '2001:db8:1:2:0:0:0:7',
      '2001:db8:1:2::1%eth0',
      '2001:db8:1:2::192.0.2.1',
    ];
    for (const a of one) expect(limitKey(a), a).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64'); // the next /64: another client
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    expect(limitKey('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('text that is no address stays as it is (a proxy\u2019s odd entry is still one client)', () => {
    for (const a of ['', 'unknown', '1:2:3:4:5:6:7:8:9', '2001:db8:::1', '1::2:3:4:5:6:7:8', '2001:db8::g'])
      expect(limitKey(a), a).toBe(a);
  });
});
