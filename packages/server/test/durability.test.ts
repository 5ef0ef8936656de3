import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from './support/harness.js';
import {
  CLI,
  createApp,
  killHard,
  login,
  overviewOfDay,
  type Running,
  spawnServer,
} from './support/spawn.js';

/**
 * An acknowledged event is never lost: concurrent clients send batches while the server is killed
 * with SIGKILL at a random moment; after a restart every event that got a 200 is counted.
 */
describe.skipIf(!existsSync(CLI))('kill -9 under load', () => {
  const dir = tempDir();
  let server: Running | null = null;
  afterAll(async () => {
    if (server) await killHard(server.child);
    cleanup(dir);
  });

  const countStored = async (url: string, token: string, appId: number) =>
    ((await (await overviewOfDay(url, token, appId)).json()) as { events: number }).events;

  it('loses no acknowledged event over 5 kills, and restarts by itself', async () => {
    server = await spawnServer(dir, { TALLY_RATE_PER_ADDRESS: '1000000', TALLY_RATE_PER_APP: '1000000' });
    let token = await login(server.url);
    const app = await createApp(server.url, token, 'durability');
    let acknowledged = 0;
    let sent = 0;
    for (let round = 0; round < 5; round++) {
      const url = server.url;
      let stop = false;
      const client = async (n: number) => {
        for (let i = 0; !stop && i < 10_000; i++) {
          const events = Array.from({ length: 20 }, (_, k) => ({
            name: 'pageview',
            path: `/r${round}/c${n}/${i}/${k}`,
          }));
          sent += events.length;
          try {
            const res = await fetch(`${url}/api/v1/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ app: app.key, events }),
            });
            // 204: all accepted; 200: some rejected, the answer counts the rest
            if (res.status === 204) acknowledged += events.length;
            else if (res.status === 200)
              acknowledged += ((await res.json()) as { accepted: number }).accepted;
          } catch {
            return; // the server died mid-request: that batch was not acknowledged
          }
        }
      };
      const clients = Array.from({ length: 8 }, (_, n) => client(n));
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      await killHard(server.child);
      stop = true;
      await Promise.all(clients);
      server = await spawnServer(dir);
      token = await login(server.url);
      const stored = await countStored(server.url, token, app.id);
      expect(acknowledged).toBeGreaterThan(0);
      expect(stored).toBeGreaterThanOrEqual(acknowledged);
      expect(stored).toBeLessThanOrEqual(sent);
    }
  });
});
