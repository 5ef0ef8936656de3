import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBody } from '../src/http/body.js';
import type { HttpError } from '../src/http/errors.js';

/** A server that hands each request's collectBody outcome to the test, and answers 204. */
describe('collectBody', () => {
  const outcomes: Array<(o: { err: HttpError | null; body?: Buffer }) => void> = [];
  let calls = 0;
  const server = createServer((req: IncomingMessage, res) => {
    collectBody(req, 64, (err, body) => {
      calls++;
      outcomes.shift()?.({ err, body });
      res.writeHead(204).end();
    });
  });
  const next = () => new Promise<{ err: HttpError | null; body?: Buffer }>((r) => outcomes.push(r));
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** Sends a request's head and `sent` bytes of a `declared`-byte body, then hangs up or not. */
  async function send(declared: number, sent: string, hangUp: boolean) {
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n${sent}`);
    if (hangUp) setTimeout(() => socket.destroy(), 20);
    else socket.on('data', () => socket.end());
  }

  it('gives the whole body', async () => {
    const outcome = next();
    await send(5, 'hello', false);
    const { err, body } = await outcome;
    expect(err).toBeNull();
    expect(String(body)).toBe('hello');
  });

  it('refuses a body declared larger than the limit with 413, and one that grows past it', async () => {
    const declared = next();
    await send(65, 'x'.repeat(65), false);
    expect((await declared).err?.status).toBe(413);
    const chunked = next();
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    socket.write(`40\r\n${'y'.repeat(64)}\r\n`);
    socket.write(`1\r\nz\r\n0\r\n\r\n`);
    expect((await chunked).err?.status).toBe(413);
    socket.destroy();
  });

  it('answers a client that hangs up halfway with 400 "cut off", once, instead of waiting forever', async () => {
    const before = calls;
    const outcome = next();
    await send(40, 'only part', true);
    const { err } = await outcome;
    expect(err?.status).toBe(400);
    expect(err?.message).toMatch(/cut off/);
    await new Promise((r) => setTimeout(r, 50)); // the socket's close and the request's end are past
    expect(calls).toBe(before + 1);
  });
});
