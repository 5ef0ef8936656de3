import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tally } from '../../packages/server/src/index.js';
import { cleanup, tempDir } from '../../packages/server/test/support/harness.js';
import { skipWithout } from '../../test-support/system.js';
import { startTestTally } from '../../test-support/tally.js';
import { launchBrowser } from '../support/browser.js';

const skip = skipWithout('chromium');
const TRACKER = fileURLToPath(new URL('../../packages/browser/dist/index.js', import.meta.url));

describe.skipIf(skip)('@tally/browser with a long queue', () => {
  const dataDir = tempDir('tally-e2e-');
  let tally: Tally;
  let browser: Browser;

  beforeAll(async () => {
    tally = await startTestTally(dataDir);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await tally?.close();
    cleanup(dataDir);
  });

  it.each([
    ['short', 'm'],
    ['long (a few hundred bytes each)', 'x'.repeat(300)],
  ])(
    'sends 1,200 queued %s events in requests the collector and the browser take, and every one arrives',
    async (_, text) => {
      const { id, key } = await tally.createApp({ name: 'Long queue' });
      const page = await (await browser.newContext()).newPage();
      const sizes: number[] = [];
      const bytes: number[] = [];
      page.on('request', (r) => {
        if (!r.url().endsWith('/api/v1/events')) return;
        sizes.push(JSON.parse(r.postData() ?? '{}').events.length);
        bytes.push(Buffer.byteLength(r.postData() ?? ''));
      });
      // A page of the app's own (served here, never from the network) that queues 1,200 events.
      await page.route(`${tally.url}/long-queue/**`, (route) =>
        route.request().url().endsWith('.js')
          ? route.fulfill({ contentType: 'text/javascript', body: readFileSync(TRACKER, 'utf8') })
          : route.fulfill({
              contentType: 'text/html',
              body: `<!doctype html><script type="module">
              import { init } from './tracker.js';
              // an app version longer than the collector takes: cut by the tracker, not refused
              const t = init({ app: ${JSON.stringify(key)}, endpoint: location.origin, auto: false, queueMax: 2000,
                appVersion: '1.0.0+' + 'b'.repeat(200) });
              for (let i = 0; i < 1200; i++) t.track('error', { message: ${JSON.stringify(text)} + i });
              t.flush();
              window.queued = true;
            </script>`,
            }),
      );
      await page.goto(`${tally.url}/long-queue/index.html`);
      await page.waitForFunction(() => (window as unknown as { queued?: boolean }).queued === true);
      const count = async () =>
        Number(
          (
            await tally.services.events.all<{ n: bigint }>(
              `SELECT count(*) AS n FROM events WHERE app_id = ${id}`,
            )
          )[0]?.n ?? 0,
        );
      const until = Date.now() + 10_000;
      while ((await count()) < 1200 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(await count()).toBe(1200);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(1200);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
      expect(Math.max(...bytes)).toBeLessThanOrEqual(64 * 1024); // a keepalive request's limit
    },
  );
  it('a device whose clock is two hours fast has its events counted at the collector’s time', async () => {
    const { id, key } = await tally.createApp({ name: 'Fast clock' });
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const real = Date.now;
      Date.now = () => real() + 2 * 3_600_000;
    });
    const page = await context.newPage();
    await page.route(`${tally.url}/fast-clock/**`, (route) =>
      route.request().url().endsWith('.js')
        ? route.fulfill({ contentType: 'text/javascript', body: readFileSync(TRACKER, 'utf8') })
        : route.fulfill({
            contentType: 'text/html',
            body: `<!doctype html><script type="module">
              import { init } from './tracker.js';
              const t = init({ app: ${JSON.stringify(key)}, endpoint: location.origin, auto: false });
              t.track('error', { message: 'from a fast clock' });
              t.flush();
            </script>`,
          }),
    );
    const before = Date.now();
    await page.goto(`${tally.url}/fast-clock/index.html`);
    const rows = async () =>
      tally.services.events.all<{ ts: bigint }>(`SELECT ts FROM events WHERE app_id = ${id}`);
    const until = Date.now() + 10_000;
    while ((await rows()).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const [row] = await rows();
    expect(row).toBeDefined();
    expect(Number(row?.ts)).toBeGreaterThanOrEqual(before - 1000);
    expect(Number(row?.ts)).toBeLessThanOrEqual(Date.now() + 1000);
    await context.close();
  });
});
