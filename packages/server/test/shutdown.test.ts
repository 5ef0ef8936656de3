import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTally } from '../src/tally.js';
import { cleanup, tempDir } from './support/harness.js';
import { closeStore, openStore } from './support/store.js';

describe('stopping the server', () => {
  it('answers the batch in flight (and stores it) before it closes, so its client does not send it again', async () => {
    const dir = tempDir();
    try {
      const tally = await startTally({
        dataDir: dir,
        port: 0,
        adminEmail: 'a@example.com',
        adminPassword: 'pw-long-enough',
      });
      const { key } = await tally.createApp({ name: 'stopping' });
      const body = JSON.stringify({ app: key, events: [{ name: 'pageview', path: '/last' }] });
      const answered = new Promise<number | string>((resolve) => {
        const req = request(`${tally.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', (err) => resolve(err.message));
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
