import { Agent, type ClientRequest, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTally } from '../src/tally.js';
import { cleanup, tempDir } from './support/harness.js';
import { closeStore, openStore } from './support/store.js';

/** A server in `dir` whose clients are never rate-limited (the load test sends back to back). */
const serve = (dir: string) =>
  startTally({
    dataDir: dir,
    port: 0,
    ratePerAddress: 1e6,
    adminEmail: 'a@example.com',
    adminPassword: 'pw-long-enough',
  });

/**
 * POSTs a batch: its status, or the error message when the connection fails. `send` gets the
 * request to write the body itself (in parts, say); by default it is written whole.
 */
function post(url: string, body: string, agent?: Agent, send = (req: ClientRequest) => req.end(body)) {
  return new Promise<number | string>((resolve) => {
    const req = request(`${url}/api/v1/events`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err) => resolve(err.message));
    send(req);
  });
}

describe('stopping the server', () => {
  it('answers the batch in flight (and stores it) before it closes, so its client does not send it again', async () => {
    const dir = tempDir();
    try {
      const tally = await serve(dir);
      const { key } = await tally.createApp({ name: 'stopping' });
      const body = JSON.stringify({ app: key, events: [{ name: 'pageview', path: '/last' }] });
      const answered = post(tally.url, body, undefined, (req) => {
        req.write(body.slice(0, 10)); // the request is in: headers and part of its body
        setTimeout(() => req.end(body.slice(10)), 100); // the rest once the server is stopping
      });
      await new Promise((r) => setTimeout(r, 50));
      const closing = tally.close(); // as on SIGTERM, while the body is still coming
      expect(await answered).toBe(204); // was "socket hang up": every connection was cut at once
      await closing;
      const s = await openStore(dir);
      expect(await s.store.all<{ path: string }>('SELECT path FROM events')).toEqual([{ path: '/last' }]);
      await closeStore(s);
    } finally {
      cleanup(dir);
    }
  });
});

describe('stopping the server under load', () => {
  it('stops promptly (no 5 s cut) and stores exactly the batches it answered 2xx: none is cut off after being stored', async () => {
    const dir = tempDir();
    try {
      const tally = await serve(dir);
      const { key } = await tally.createApp({ name: 'busy' });
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      let acknowledged = 0;
      let stop = false;
      const send = (i: number) =>
        post(tally.url, JSON.stringify({ app: key, events: [{ name: 'pageview', path: `/p${i}` }] }), agent);
      // 8 clients, each sending its next batch as soon as the last is answered.
      const clients = Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; !stop; i++) {
          const status = await send(c * 100_000 + i);
          if (status === 204) acknowledged++;
          else if (typeof status === 'number') throw new Error(`answered ${status}`);
        }
      });
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await tally.close();
      const took = Date.now() - started;
      stop = true;
      await Promise.all(clients);
      agent.destroy();
      expect(took).toBeLessThan(2_000); // busy connections are told to close, not left to the 5 s cut
      expect(acknowledged).toBeGreaterThan(0);
      const s = await openStore(dir);
      const [row] = await s.store.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM events');
      expect(row?.n).toBe(acknowledged); // cutting every connection at once stored more than it answered
      await closeStore(s);
    } finally {
      cleanup(dir);
    }
  });
});
