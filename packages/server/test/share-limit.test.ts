import { describe, expect, it } from 'vitest';
import { serveTally } from './support/harness.js';

/**
 * A share link is public: whoever has its URL reads through it, and every read is a query. Its reads
 * are limited per app (20 a second, bursts of 40: a dashboard view makes about 20 at once).
 */
describe('reads through a share link', () => {
  it('are limited per app with 429 and Retry-After; a dashboard view’s burst fits, an owner is not limited', async () => {
    const { tally, stop } = await serveTally();
    try {
      const { id } = await tally.createApp({ name: 'shared' });
      const owner = { authorization: `Bearer ${await tally.adminToken()}` };
      const share = (await (
        await fetch(`${tally.url}/api/apps/${id}/shares`, { method: 'POST', headers: owner })
      ).json()) as { token: string };
      const read = (headers: Record<string, string>) =>
        fetch(`${tally.url}/api/apps/${id}/overview`, { headers });
      const viaShare = { 'x-tally-share': share.token };

      const view = await Promise.all(Array.from({ length: 20 }, () => read(viaShare)));
      expect(view.map((r) => r.status)).toEqual(Array(20).fill(200)); // one dashboard view
      const flood = await Promise.all(Array.from({ length: 60 }, () => read(viaShare)));
      const limited = flood.find((r) => r.status === 429);
      if (!limited) throw new Error('60 reads at once through a share link were not limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await limited.json()) as { error: string }).error).toContain('share links');

      const ownerReads = await Promise.all(Array.from({ length: 80 }, () => read(owner)));
      expect(ownerReads.every((r) => r.status === 200)).toBe(true);
    } finally {
      await stop();
    }
  });
});
