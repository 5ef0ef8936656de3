import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBatchHead } from '../src/http/socket-ingest/request-head.js';

const MAX_BODY = 64;

/** What node:http made of a request: its method, target, the headers ingest reads, keep-alive. */
interface Parsed {
  method: string;
  url: string;
  contentLength: string | undefined;
  contentType: string | undefined;
  userAgent: string;
  forwardedFor: string | undefined;
  keepAlive: boolean;
}

describe('the strict head reader never reads a request otherwise than node:http does', () => {
  let port = 0;
  /** Each case's connection, by its port: a late error of one case cannot answer another. */
  const waiting = new Map<number, (p: Parsed | 'error') => void>();
  const settle = (port: number | undefined, p: Parsed | 'error') => {
    waiting.get(port ?? -1)?.(p);
    waiting.delete(port ?? -1);
  };
  // Read when node:http has the head: bytes after this request's body (the next request's, or
  // junk) are another request's business, and may fail before this one's body ends.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    settle(req.socket.remotePort, {
      method: req.method ?? '',
      url: req.url ?? '',
      contentLength: header('content-length'),
      contentType: header('content-type'),
      userAgent: header('user-agent') ?? '', // the pipeline reads no User-Agent as ''
      forwardedFor: header('x-forwarded-for'),
      keepAlive: res.shouldKeepAlive,
    });
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  server.on('clientError', (_err, socket) => {
    settle(socket.remotePort, 'error');
    socket.destroy();
  });

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** Sends the bytes on a connection of their own; what node:http parsed first, or 'error'. */
  async function nodeReads(bytes: Buffer): Promise<Parsed | 'error' | 'nothing'> {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    const local = socket.localPort as number;
    const parsed = new Promise<Parsed | 'error' | 'nothing'>((resolve) => {
      waiting.set(local, resolve);
      setTimeout(() => resolve('nothing'), 500);
    });
    socket.write(bytes);
    const result = await parsed;
    waiting.delete(local);
    socket.destroy();
    return result;
  }

  // Pieces a request is made of: mostly a batch's, with the doubtful forms mixed in.
  const text = (chars: string[]) =>
    fc.array(fc.constantFrom(...chars), { maxLength: 12 }).map((a) => a.join(''));
  const plainChars = ['a', 'Z', '0', '5', ' ', ',', ';', '=', '/', 'close', 'keep-alive', 'application/json'];
  const wildChars = [
    ...plainChars,
    '\t',
    '+',
    '-',
    '\xe9',
    '\xa0',
    '\x7f',
    '\x00',
    '\r',
    '\n',
    'upgrade',
    'chunked',
  ];
  const names = [
    'Host',
    'host',
    'Content-Length',
    'CONTENT-LENGTH',
    'Content-Type',
    'User-Agent',
    'user-agent',
    'X-Forwarded-For',
    'x-forwarded-for',
    'Connection',
    'X-Other',
  ];
  const plainHeader = fc.tuple(
    fc.constantFrom(...names),
    fc.constantFrom(': ', ':', ':\t', ': \t '),
    fc.oneof(text(plainChars), fc.integer({ min: 0, max: 100 }).map(String)),
    fc.constant('\r\n'),
  );
  const wildHeader = fc.tuple(
    fc.constantFrom(
      ...names,
      'Transfer-Encoding',
      'Expect',
      'Upgrade',
      'Content-Length ',
      ' Content-Length',
      'Content Length',
      'Host\x00',
    ),
    fc.constantFrom(': ', ':', ' :', ':\t'),
    text(wildChars),
    fc.constantFrom('\r\n', '\n', '\r'),
  );
  const request = fc.record({
    line: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(
          'POST /api/v1/events HTTP/1.1',
          'POST /api/v1/events?app=k HTTP/1.1',
          'POST /api/v1/events?a=%20&b HTTP/1.1',
          'POST /api/v1/events HTTP/1.0',
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'POST /api/v1/events?\xe9 HTTP/1.1',
          'POST /api/v1/events  HTTP/1.1',
          'post /api/v1/events HTTP/1.1',
          'POST /api/v1/events HTTP/1.2',
          'POST /api/v1/events?a#b HTTP/1.1',
        ),
      },
    ),
    headers: fc.array(fc.oneof({ weight: 5, arbitrary: plainHeader }, { weight: 1, arbitrary: wildHeader }), {
      maxLength: 5,
    }),
    host: fc.boolean(),
    length: fc.option(fc.integer({ min: 0, max: 80 }), { freq: 8 }),
    body: fc.string({ maxLength: 90 }),
  });

  it('fuzz: where it reads a batch, node:http reads the same method, path, length, headers and keep-alive', async () => {
    let mine = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const lines = [r.line];
        if (r.host) lines.push('Host: 127.0.0.1');
        if (r.length !== null) lines.push(`Content-Length: ${r.length}`);
        let head = `${lines.join('\r\n')}\r\n`;
        for (const [n, sep, v, end] of r.headers) head += `${n}${sep}${v}${end}`;
        const bytes = Buffer.from(`${head}\r\n${r.body}`, 'latin1');
        const ours = readBatchHead(bytes, MAX_BODY);
        if (typeof ours === 'number') return; // node:http's to read, whatever it makes of it
        mine++;
        const theirs = await nodeReads(bytes);
        expect(theirs).not.toBe('error');
        expect(theirs).toEqual({
          method: 'POST',
          url: `/api/v1/events${ours.query ?? ''}`,
          contentLength: String(ours.contentLength),
          contentType: ours.contentType,
          userAgent: ours.userAgent,
          forwardedFor: ours.forwardedFor,
          keepAlive: !ours.close,
        });
      }),
      { numRuns: 3000, seed: 20261128 },
    );
    expect(mine).toBeGreaterThan(400); // the property was tried on enough batches to mean something
  }, 60_000);
});
