import { describe, expect, it } from 'vitest';
import { INCOMPLETE, MAX_HEAD, NOT_MINE, readBatchHead } from '../src/http/socket-ingest/request-head.js';

const MAX_BODY = 1000;
const read = (text: string | Buffer) =>
  readBatchHead(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, MAX_BODY);
const batch = (lines: string[], line = 'POST /api/v1/events HTTP/1.1') =>
  `${[line, ...lines].join('\r\n')}\r\n\r\n{"app":"k"}`;

describe('the head of a batch request, read strictly (socket-ingest)', () => {
  it('reads a batch: length, type, agent, forwarded addresses, query, where the body starts', () => {
    const text = batch(
      [
        'Host: 127.0.0.1',
        'Content-Type:  application/json \t',
        'user-agent: Mozilla/5.0 (Gecko) caf\xe9',
        'X-Forwarded-For: 203.0.113.9',
        'Content-Length: 11',
        'x-forwarded-for: 10.0.0.2',
      ],
      'POST /api/v1/events?app=k_1 HTTP/1.1',
    );
    const head = read(text);
    expect(head).toEqual({
      size: text.length - 11,
      query: '?app=k_1',
      contentLength: 11,
      contentType: 'application/json',
      userAgent: 'Mozilla/5.0 (Gecko) café', // Latin-1, as node:http reads header bytes
      forwardedFor: '203.0.113.9, 10.0.0.2', // joined as node:http joins them
      close: false,
    });
  });

  it('keeps the connection as HTTP/1.1 and 1.0 say (Connection: close; 1.0 only with keep-alive)', () => {
    const close = (lines: string[], line?: string) =>
      (read(batch(['Host: h', 'Content-Length: 2', ...lines], line)) as { close: boolean }).close;
    expect(close([])).toBe(false);
    expect(close(['Connection: close'])).toBe(true);
    expect(close(['Connection: TE, Close'])).toBe(true);
    expect(close([], 'POST /api/v1/events HTTP/1.0')).toBe(true);
    expect(close(['Connection: keep-alive'], 'POST /api/v1/events HTTP/1.0')).toBe(false);
  });

  it('waits for the rest of a head that begins as a batch does', () => {
    expect(read('POST /api/v1/ev')).toBe(INCOMPLETE);
    expect(read('POST /api/v1/events HTTP/1.1\r\nHost: h\r\nContent-Le')).toBe(INCOMPLETE);
  });

  // Everything not plainly a batch is node:http's: its parser decides, and answers as it always did.
  const notMine: Array<[string, string | Buffer]> = [
    ['another method', batch(['Host: h', 'Content-Length: 2'], 'PUT /api/v1/events HTTP/1.1')],
    ['another path', batch(['Host: h', 'Content-Length: 2'], 'POST /api/v1/eventsx HTTP/1.1')],
    [
      'a trailing slash (the router has it)',
      batch(['Host: h', 'Content-Length: 2'], 'POST /api/v1/events/ HTTP/1.1'),
    ],
    ['a fragment-like target', batch(['Host: h', 'Content-Length: 2'], 'POST /api/v1/events#x HTTP/1.1')],
    ['a space in the query', batch(['Host: h', 'Content-Length: 2'], 'POST /api/v1/events?a b HTTP/1.1')],
    [
      'a byte past ASCII in the query',
      batch(['Host: h', 'Content-Length: 2'], 'POST /api/v1/events?\xe9 HTTP/1.1'),
    ],
    ['HTTP/2.0 on the request line', batch(['Host: h', 'Content-Length: 2'], 'POST /api/v1/events HTTP/2.0')],
    ['a GET, told from its first bytes', 'GET / HTT'],
    ['HTTP/1.1 without Host', batch(['Content-Length: 2'])],
    ['no Content-Length', batch(['Host: h'])],
    ['a signed Content-Length', batch(['Host: h', 'Content-Length: +2'])],
    ['a Content-Length list', batch(['Host: h', 'Content-Length: 2, 2'])],
    ['two Content-Lengths', batch(['Host: h', 'Content-Length: 2', 'Content-Length: 2'])],
    [
      'Content-Length and Transfer-Encoding',
      batch(['Host: h', 'Content-Length: 2', 'Transfer-Encoding: chunked']),
    ],
    ['Expect: 100-continue', batch(['Host: h', 'Content-Length: 2', 'Expect: 100-continue'])],
    ['Upgrade', batch(['Host: h', 'Content-Length: 2', 'Upgrade: websocket'])],
    ['Connection: upgrade', batch(['Host: h', 'Content-Length: 2', 'Connection: Upgrade'])],
    ['a space before the colon', batch(['Host: h', 'Content-Length : 2'])],
    ['a folded line', batch(['Host: h', 'Content-Length: 2', 'X-A: 1', ' folded'])],
    ['a line without a colon', batch(['Host: h', 'Content-Length: 2', 'junk'])],
    ['a bare LF inside the head', 'POST /api/v1/events HTTP/1.1\r\nHost: h\nContent-Length: 2\r\n\r\n{}'],
    ['a bare CR in a value', batch(['Host: h', 'Content-Length: 2', 'X-A: a\rb'])],
    ['a control byte in a value', batch(['Host: h', 'Content-Length: 2', 'X-A: a\x00b'])],
    ['two user agents', batch(['Host: h', 'Content-Length: 2', 'User-Agent: a', 'User-Agent: b'])],
    ['a body over the limit (node:http answers 413)', batch(['Host: h', `Content-Length: ${MAX_BODY + 1}`])],
    [
      'more header lines than a client sends',
      batch(['Host: h', 'Content-Length: 2', ...Array(70).fill('X-A: 1')]),
    ],
    ['a head over 16 KiB', batch(['Host: h', 'Content-Length: 2', `X-A: ${'a'.repeat(MAX_HEAD)}`])],
    ['a head over 16 KiB not yet ended', `POST /api/v1/events HTTP/1.1\r\nX-A: ${'a'.repeat(MAX_HEAD)}`],
  ];
  for (const [name, text] of notMine)
    it(`leaves to node:http: ${name}`, () => expect(read(text)).toBe(NOT_MINE));
});
