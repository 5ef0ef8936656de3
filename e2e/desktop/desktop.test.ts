import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../examples/desktop/src/contract.js';
import { startDesktop } from '../../examples/desktop/src/server.js';
import type { Tally } from '../../packages/server/src/index.js';
import { cleanup, tempDir } from '../../packages/server/test/support/harness.js';
import { skipWithout } from '../../test-support/system.js';
import { startTestTally } from '../../test-support/tally.js';
import { eventually } from '../../test-support/wait.js';
import { launchBrowser, SCREENSHOTS } from '../support/browser.js';

const skip = skipWithout('chromium');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Session {
  appId: number;
  page: Page;
  context: BrowserContext;
  /** Requests the page made to the collector, with their bodies. */
  requests: Array<{ url: string; body: string }>;
  pageErrors: string[];
  consoleErrors: string[];
  stored(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

describe.skipIf(skip)('Laserforge, a desktop-style app, tracked as the Rayforge seed says', () => {
  const dataDir = tempDir('tally-e2e-');
  let tally: Tally;
  let browser: Browser;
  let token = '';

  beforeAll(async () => {
    tally = await startTestTally(dataDir);
    token = await tally.adminToken();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await tally?.close();
    cleanup(dataDir);
  });

  /** A fresh install: its own app key, its own browser profile (first start). */
  async function session(): Promise<Session> {
    const { id, key } = await tally.createApp({ name: `Laserforge ${Date.now()}`, contract });
    const app = await startDesktop({ endpoint: tally.url, key });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      screen: { width: 1920, height: 1080 },
      locale: 'en-US',
    });
    const page = await context.newPage();
    const s: Session = {
      appId: id,
      page,
      context,
      requests: [],
      pageErrors: [],
      consoleErrors: [],
      stored: () => tally.services.events.all(`SELECT * FROM events WHERE app_id = ${id} ORDER BY ts`),
      close: async () => {
        await context.close();
        await app.close();
      },
    };
    page.on('request', (r) => {
      if (r.url().startsWith(tally.url)) s.requests.push({ url: r.url(), body: r.postData() ?? '' });
    });
    page.on('pageerror', (e) => s.pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') s.consoleErrors.push(m.text());
    });
    await page.goto(app.url);
    return s;
  }

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
  const api = async (appId: number, path: string) => {
    const res = await fetch(
      `${tally.url}/api/apps/${appId}${path}?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    return res.json();
  };

  /** The session's stored rows once there are some, or after 10 s: sending is asynchronous, and a
   * fixed wait is too short on a loaded machine. */
  async function storedSoon(s: Session) {
    await eventually(async () => (await s.stored()).length > 0, 10_000, 100);
    return s.stored();
  }

  it('[R1] [R3] asks at first start; "No" means nothing is ever collected or transmitted', async () => {
    const s = await session();
    try {
      const ask = s.page.getByRole('dialog', { name: 'Help improve Laserforge?' });
      await ask.waitFor();
      await s.page.screenshot({ path: join(SCREENSHOTS, 'desktop-consent.png') });
      await s.page.getByRole('button', { name: 'No' }).click();
      await nav(s.page, 'General');
      await nav(s.page, '3D view');
      await s.page.reload();
      expect(await s.page.getByRole('dialog', { name: 'Help improve Laserforge?' }).count()).toBe(0); // asked once
      await nav(s.page, 'Camera');
      await sleep(1000);
      expect(s.requests).toEqual([]);
      expect(await s.stored()).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('[R2] [R5] [R6] [R13] "Yes" sends page views with path, screen, language and time on page; the pages table matches', async () => {
    const s = await session();
    try {
      await s.page.getByRole('button', { name: 'Yes' }).click();
      const t0 = Date.now();
      await sleep(1000);
      await nav(s.page, 'General');
      const t1 = Date.now();
      await sleep(2500);
      await nav(s.page, 'Workspace');
      const t2 = Date.now();
      await s.page.getByRole('button', { name: 'Align camera…' }).click();
      const t3 = Date.now();
      await sleep(1500);
      await s.page.getByRole('button', { name: 'Done' }).click();
      const t4 = Date.now();
      await nav(s.page, 'Settings');
      await sleep(800);
      const rows = await s.stored();
      const views = rows.filter((r) => r.name === 'pageview').map((r) => r.path);
      expect(views).toEqual([
        '/',
        '/machine-settings/general',
        '/',
        '/camera-alignment-dialog',
        '/',
        '/settings/general',
      ]);
      for (const r of rows)
        expect(r).toMatchObject({ screen: '1920x1080', locale: 'en-US', app_version: '0.26.0' });
      const leave = (path: string) =>
        rows.find((r) => r.name === 'pageleave' && r.path === path)?.duration_ms as number;
      expect(Math.abs(leave('/machine-settings/general') - (t2 - t1))).toBeLessThan(1000);
      expect(Math.abs(leave('/camera-alignment-dialog') - (t4 - t3))).toBeLessThan(1000);
      expect(Math.abs(leave('/') - (t1 - t0))).toBeLessThan(1000);
      for (const r of s.requests) expect(r.body.length).toBeLessThan(2048); // small requests

      const table = await api(s.appId, '/pages');
      const general = table.find((p: { path: string }) => p.path === '/machine-settings/general');
      expect(general).toMatchObject({ visitors: 1, visits: 1, views: 1, bounceRate: null });
      expect(Math.abs(general.timeOnPage - (t2 - t1) / 1000)).toBeLessThan(1);
      const home = table.find((p: { path: string }) => p.path === '/');
      expect(home).toMatchObject({ visitors: 1, visits: 1, views: 3, bounceRate: 0 });
      expect(Math.abs(home.visitDuration - (Date.now() - t0) / 1000)).toBeLessThan(3);
    } finally {
      await s.close();
    }
  });

  it('[R4] [R17] Settings → General → "Send anonymous usage statistics" off: absolutely no data is sent; on again at any time', async () => {
    const s = await session();
    try {
      await s.page.getByRole('button', { name: 'Yes' }).click();
      await nav(s.page, 'Settings');
      await sleep(700);
      const box = s.page.getByLabel('Send anonymous usage statistics');
      expect(await box.isChecked()).toBe(true);
      await box.uncheck();
      const before = s.requests.length;
      const storedBefore = (await s.stored()).length;
      await nav(s.page, 'General');
      await nav(s.page, '3D view');
      await s.page.reload();
      await nav(s.page, 'Camera');
      await sleep(1000);
      expect(s.requests.length).toBe(before);
      expect((await s.stored()).length).toBe(storedBefore);
      await nav(s.page, 'Settings');
      await s.page.getByLabel('Send anonymous usage statistics').check();
      await nav(s.page, 'General');
      await sleep(800);
      expect(
        (await s.stored()).some(
          (r) => r.path === '/machine-settings/general' && Number(r.ts) > Date.now() - 5000,
        ),
      ).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('[R15] works offline: failures are silent, and what was seen is sent when back online', async () => {
    const s = await session();
    try {
      await s.page.getByRole('button', { name: 'Yes' }).click();
      await sleep(600);
      await s.context.setOffline(true);
      await nav(s.page, 'General');
      await nav(s.page, 'Camera');
      await sleep(800);
      expect(await s.page.getByRole('heading', { name: 'Machine: Camera' }).isVisible()).toBe(true); // the app works
      await s.context.setOffline(false);
      await nav(s.page, '3D view');
      await sleep(1000);
      const views = (await s.stored()).filter((r) => r.name === 'pageview').map((r) => r.path);
      expect(views).toEqual(
        expect.arrayContaining(['/machine-settings/general', '/machine-settings/camera', '/view/3d']),
      );
      expect(s.pageErrors).toEqual([]);
      expect(s.consoleErrors).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('[R15] collector stopped: the app keeps working, nothing is thrown, the queue stays within its cap, and events arrive after it returns', async () => {
    const s = await session();
    try {
      await s.page.getByRole('button', { name: 'Yes' }).click();
      await sleep(600);
      // The collector refuses every connection.
      await s.page.route(`${tally.url}/**`, (route) => route.abort('connectionrefused'));
      for (let i = 0; i < 60; i++)
        await s.page.evaluate((n) => history.pushState(null, '', `/step-settings/rasterizer?i=${n}#x`), i);
      for (let i = 0; i < 40; i++)
        await s.page.evaluate((n) => history.pushState(null, '', `/view/3d/${n}`), i);
      await nav(s.page, 'Camera');
      await sleep(800);
      expect(await s.page.getByRole('heading', { name: 'Machine: Camera' }).isVisible()).toBe(true);
      await s.page.unroute(`${tally.url}/**`);
      await nav(s.page, 'General');
      await sleep(1500);
      const rows = await s.stored();
      // Sent after the collector came back: the newest events, no more than the queue holds (100) plus what came after.
      expect(rows.some((r) => r.path === '/machine-settings/camera')).toBe(true);
      expect(rows.some((r) => r.path === '/machine-settings/general')).toBe(true);
      const duringOutage = rows.filter(
        (r) => String(r.path).startsWith('/view/3d/') || r.path === '/step-settings/rasterizer',
      );
      expect(duringOutage.length).toBeLessThanOrEqual(100);
      expect(rows.every((r) => !String(r.path).includes('?'))).toBe(true);
      expect(s.pageErrors).toEqual([]);
      expect(s.consoleErrors.filter((m) => !m.includes('net::ERR_'))).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('[R7] [R8] [R9] [R10] [R11] [R16] no personal data, no identifiers, no address or User-Agent, only this app, a generic payload', async () => {
    const s = await session();
    try {
      const ua = await s.page.evaluate(() => navigator.userAgent);
      await s.page.getByRole('button', { name: 'Yes' }).click();
      await nav(s.page, 'General');
      const rows = await storedSoon(s);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r).toMatchObject({ machine: null, project: null, props: null, app_id: s.appId });
        expect(r.browser).toBe('Chrome'); // coarse fields only
      }
      for (const req of s.requests) {
        expect(req.url).toBe(`${tally.url}/api/v1/events`);
        const body = JSON.parse(req.body);
        expect(Object.keys(body.context).sort()).toEqual(['appVersion', 'locale', 'screen', 'session']);
        expect(req.body).not.toContain(ua);
      }
      // Nothing the server keeps holds the User-Agent or the client address.
      const files = (dir: string): string[] =>
        readdirSync(dir).flatMap((f) =>
          statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)],
        );
      for (const f of files(dataDir)) {
        const bytes = readFileSync(f);
        expect(bytes.includes(Buffer.from(ua))).toBe(false);
        expect(bytes.includes(Buffer.from('HeadlessChrome'))).toBe(false);
      }
    } finally {
      await s.close();
    }
  });

  it('[R12] the data shows popular pages, time spent, languages and screen sizes', async () => {
    const s = await session();
    try {
      await s.page.getByRole('button', { name: 'Yes' }).click();
      for (const name of ['General', 'Workspace', 'General', 'Camera', 'General']) await nav(s.page, name);
      await sleep(800);
      const pages = await api(s.appId, '/pages');
      expect(pages[0]).toMatchObject({ path: '/machine-settings/general', views: 3 });
      expect(pages[0].timeOnPage).toBeGreaterThan(0);
      expect(await api(s.appId, '/breakdown/locale')).toEqual([
        { value: 'en-US', visitors: 1, visits: 1, events: expect.any(Number) },
      ]);
      expect((await api(s.appId, '/breakdown/screen'))[0].value).toBe('1920x1080');
    } finally {
      await s.close();
    }
  });
});
