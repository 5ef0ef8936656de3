import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTally, type Tally } from '../src/index.js';
import { cleanup, tempDir } from './support/harness.js';

/**
 * The dashboard's files keep their names across versions, so the browser must revalidate them:
 * after an upgrade it gets the new dashboard, and until then a cheap 304.
 */
describe('the dashboard’s files', () => {
  const dir = tempDir();
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally({
      dataDir: dir,
      port: 0,
      adminEmail: 'a@example.com',
      adminPassword: 'pw-long-enough',
    });
  });
  afterAll(async () => {
    await tally.close();
    cleanup(dir);
  });

  it.each(['/assets/main.js', '/assets/style.css', '/', '/apps/1/pages'])(
    '%s is revalidated on every load, and answered 304 while unchanged',
    async (path) => {
      const first = await fetch(`${tally.url}${path}`);
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('no-cache');
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^W\/".+"$/);
      expect((await first.text()).length).toBeGreaterThan(0);
      const again = await fetch(`${tally.url}${path}`, { headers: { 'if-none-match': etag as string } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      const other = await fetch(`${tally.url}${path}`, { headers: { 'if-none-match': 'W/"old"' } });
      expect(other.status).toBe(200);
    },
  );
});
