import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../src/http/errors.js';
import { cleanup, clock, openPipeline, tempDir } from './support/harness.js';

const HOUR = 3_600_000;

/**
 * Event times come from the sender's clock. A batch that says when it was sent (`sentAt`, on the
 * same clock) has them moved onto the server's clock, so a device whose clock is wrong is counted at
 * the right time, not refused.
 */
describe('a sender whose clock is wrong', () => {
  const dir = tempDir();
  const NOW = Date.UTC(2026, 10, 24, 12);
  const c = clock(NOW);
  let p: Awaited<ReturnType<typeof openPipeline>>;
  let key = '';
  let appId = 0;
  const storedTs = async (path: string) =>
    (
      await p.events.all<{ ts: bigint }>(`SELECT ts FROM events WHERE app_id = ${appId} AND path = '${path}'`)
    ).map((r) => Number(r.ts));

  beforeAll(async () => {
    p = await openPipeline(dir, c.now);
    ({ id: appId, key } = await p.createApp('clocks'));
  });
  afterAll(async () => {
    await p.close();
    cleanup(dir);
  });

  it('an hour fast: without sentAt its events are refused as in the future', async () => {
    const r = await p.send(key, [{ name: 'pageview', ts: NOW + HOUR - 5000, path: '/fast-plain' }]);
    expect(r.rejected).toEqual([{ index: 0, reason: 'ts is more than 10 minutes in the future' }]);
  });

  it('an hour fast, with sentAt: counted 5 s ago, on the server’s clock', async () => {
    const r = await p.send(key, [{ name: 'pageview', ts: NOW + HOUR - 5000, path: '/fast' }], {
      sentAt: NOW + HOUR,
    });
    expect(r.accepted).toBe(1);
    expect(await storedTs('/fast')).toEqual([NOW - 5000]);
  });

  it('a day slow, with sentAt: counted at the right time as well', async () => {
    const r = await p.send(key, [{ name: 'pageview', ts: NOW - 24 * HOUR - 60_000, path: '/slow' }], {
      sentAt: NOW - 24 * HOUR,
    });
    expect(r.accepted).toBe(1);
    expect(await storedTs('/slow')).toEqual([NOW - 60_000]);
  });

  it('a sentAt that is not a number refuses the batch', async () => {
    await expect(p.send(key, [{ name: 'pageview', path: '/bad' }], { sentAt: 'yesterday' })).rejects.toThrow(
      HttpError,
    );
    expect(await storedTs('/bad')).toEqual([]);
  });
});
