import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tally } from '../../packages/server/src/index.js';
import { cleanup, tempDir } from '../../packages/server/test/support/harness.js';
import { skipWithout } from '../../test-support/system.js';
import { startTestTally } from '../../test-support/tally.js';
import { eventually } from '../../test-support/wait.js';
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

  /** Opens a page of the app's own at `path` (served here, never from the network) running `script`
   * with `init` from the tracker. */
  async function openAppPage(page: Page, path: string, script: string) {
    await page.route(`${tally.url}${path}**`, (route) =>
      route.request().url().endsWith('.js')
        ? route.fulfill({ contentType: 'text/javascript', body: readFileSync(TRACKER, 'utf8') })
        : route.fulfill({
            contentType: 'text/html',
            body: `<!doctype html><script type="module">import { init } from './tracker.js';${script}</script>`,
          }),
    );
    await page.goto(`${tally.url}${path}index.html`);
  }

  /** The app's stored event times, once at least `n` are in (or 10 s have passed). */
  async function storedTimes(appId: number, n: number): Promise<number[]> {
    const rows = async () =>
      (await tally.services.events.all<{ ts: bigint }>(`SELECT ts FROM events WHERE app_id = ${appId}`)).map(
        (r) => Number(r.ts),
      );
    await eventually(async () => (await rows()).length >= n, 10_000, 100);
    return rows();
  }

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
      // an app version longer than the collector takes: cut by the tracker, not refused
      await openAppPage(
        page,
        '/long-queue/',
        `const t = init({ app: ${JSON.stringify(key)}, endpoint: location.origin, auto: false, queueMax: 2000,
           appVersion: '1.0.0+' + 'b'.repeat(200) });
         for (let i = 0; i < 1200; i++) t.track('error', { message: ${JSON.stringify(text)} + i });
         t.flush();`,
      );
      expect(await storedTimes(id, 1200)).toHaveLength(1200);
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
    const before = Date.now();
    await openAppPage(
      page,
      '/fast-clock/',
      `const t = init({ app: ${JSON.stringify(key)}, endpoint: location.origin, auto: false });
       t.track('error', { message: 'from a fast clock' });
       t.flush();`,
    );
    const [ts] = await storedTimes(id, 1);
    expect(ts).toBeGreaterThanOrEqual(before - 1000);
    expect(ts).toBeLessThanOrEqual(Date.now() + 1000);
    await context.close();
  });

  it('an answer lost on its way: the batch is sent again with its id and stored once', async () => {
    const { id, key } = await tally.createApp({ name: 'Lost answer' });
    const page = await (await browser.newContext()).newPage();
    const ids: string[] = [];
    // The first batch reaches the collector, which stores it; its answer never comes back.
    await page.route(`${tally.url}/api/v1/events`, async (route) => {
      ids.push(JSON.parse(route.request().postData() ?? '{}').id);
      if (ids.length > 1) return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await openAppPage(
      page,
      '/lost-answer/',
      `const t = init({ app: ${JSON.stringify(key)}, endpoint: location.origin, auto: false });
       for (let i = 0; i < 3; i++) t.track('error', { message: 'once ' + i });
       t.flush();
       window.again = () => t.flush();`,
    );
    expect(await eventually(() => ids.length === 1, 5_000)).toBe(true);
    expect(await storedTimes(id, 3)).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 300)); // the failed request has been given up
    await page.evaluate(() => (window as unknown as { again: () => void }).again());
    expect(await eventually(() => ids.length === 2, 5_000)).toBe(true);
    expect(ids[0]).toMatch(/^[a-z0-9]{6,}$/);
    expect(ids[1]).toBe(ids[0]);
    await new Promise((r) => setTimeout(r, 500)); // its answer is in: what it would add is stored
    expect(await storedTimes(id, 0)).toHaveLength(3);
    await page.context().close();
  });
});
