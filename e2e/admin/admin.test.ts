import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminContract } from '../../examples/commerce/src/admin-contract.js';
import type { Tally } from '../../packages/server/src/index.js';
import { cleanup, tempDir } from '../../packages/server/test/support/harness.js';
import { skipWithout } from '../../test-support/system.js';
import { startTestTally } from '../../test-support/tally.js';
import { launchBrowser, SCREENSHOTS } from '../support/browser.js';

const skip = skipWithout('chromium');
const ACME = fileURLToPath(new URL('../../examples/commerce/dist/cli.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `acme start` as a real process serving the admin; resolves with its URL. */
function startAcme(
  project: string,
  home: string,
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [ACME, 'start'], {
    cwd: project,
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: '',
      ACME_PORT: '0',
      ACME_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1] as string, child });
    });
    child.once('exit', (code) => reject(new Error(`acme exited ${code}: ${out}`)));
  });
}

describe.skipIf(skip)('Acme Admin analytics, as the Medusa seed says', () => {
  const dataDir = tempDir('tally-e2e-admin-');
  let tally: Tally;
  let browser: Browser;
  let token = '';
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    tally = await startTestTally(dataDir);
    token = await tally.adminToken();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of running) c.kill('SIGKILL');
    await browser?.close();
    await tally?.close();
    cleanup(dataDir);
  });

  /** A fresh store with its own admin app key, and a browser page on its admin. */
  async function admin(env: Record<string, string> = {}) {
    const { id, key } = await tally.createApp({ name: `Acme Admin ${Date.now()}`, contract: adminContract });
    const project = tempDir('acme-project-');
    const home = tempDir('acme-home-');
    const acme = await startAcme(project, home, {
      ACME_TELEMETRY_ENDPOINT: tally.url,
      ACME_ADMIN_ANALYTICS_KEY: key,
      ...env,
    });
    running.push(acme.child);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const loaded: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(tally.url)) requests.push(r.postData() ?? '');
      loaded.push(r.url());
    });
    await page.goto(`${acme.url}/admin`);
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    return {
      appId: id,
      project,
      page,
      requests,
      loaded,
      stored: () =>
        tally.services.events.all<Record<string, unknown>>(
          `SELECT * FROM events WHERE app_id = ${id} ORDER BY ts`,
        ),
      close: async () => {
        await context.close();
        acme.child.kill('SIGTERM');
        cleanup(project);
        cleanup(home);
      },
    };
  }

  const nav = (page: Page, name: string) => page.getByRole('link', { name, exact: true }).click();
  /** Settings → Personal Information → Usage insights → "Edit preferences" → a toggle → "Submit and close". */
  async function preferences(page: Page, toggle: string, screenshot?: string) {
    await nav(page, 'Settings');
    await nav(page, 'Personal Information');
    await page.getByRole('heading', { name: 'Usage insights' }).waitFor();
    await page.getByRole('button', { name: 'Edit preferences' }).click();
    await page.getByLabel(toggle).check();
    if (screenshot) await page.screenshot({ path: join(SCREENSHOTS, screenshot) });
    await page.getByRole('button', { name: 'Submit and close' }).click();
  }

  it('[M8] [M9] [M10] [M11] [M12] sends the store name, user email, counts, regions and currencies', async () => {
    const a = await admin();
    try {
      await sleep(800);
      const facts = (await a.stored()).find((r) => r.name === 'store_facts');
      expect(JSON.parse(String(facts?.props))).toEqual({
        storeName: 'Acme Outdoor',
        email: 'owner@acme-outdoor.example',
        products: 24,
        orders: 130,
        discounts: 2,
        users: 1,
        regions: 2,
        regionNames: ['Europe', 'North America'],
        currencies: ['eur', 'usd'],
      });
    } finally {
      await a.close();
    }
  });

  it('[M13] [Q3] reports errors that occur in the admin, and the pages people visit', async () => {
    const a = await admin();
    try {
      await nav(a.page, 'Orders');
      await a.page.getByRole('button', { name: 'Export orders' }).click();
      await sleep(800);
      const errors = await (
        await fetch(
          `${tally.url}/api/apps/${a.appId}/errors?from=${Date.now() - 60_000}&to=${Date.now() + 60_000}`,
          { headers: { authorization: `Bearer ${token}` } },
        )
      ).json();
      expect(errors[0].message).toContain('Export failed: orders.csv could not be generated');
      const views = (await a.stored()).filter((r) => r.name === 'pageview').map((r) => r.path);
      expect(views).toEqual(['/admin', '/admin/orders']);
    } finally {
      await a.close();
    }
  });

  it('[M14] "Anonymize my usage data" → "Submit and close": no store name or email is sent any more, nor exported', async () => {
    const a = await admin();
    try {
      await sleep(500);
      await preferences(a.page, 'Anonymize my usage data', 'admin-preferences.png');
      const since = Date.now();
      await sleep(300);
      await a.page.reload();
      await a.page.getByRole('heading', { name: 'Personal Information' }).waitFor();
      await sleep(800);
      const after = (await a.stored()).filter((r) => Number(r.ts) >= since);
      const facts = after.find((r) => r.name === 'store_facts');
      expect(JSON.parse(String(facts?.props))).toEqual({
        products: 24,
        orders: 130,
        discounts: 2,
        users: 1,
        regions: 2,
        regionNames: ['Europe', 'North America'],
        currencies: ['eur', 'usd'],
      });
      const csv = await (
        await fetch(
          `${tally.url}/api/apps/${a.appId}/export?format=csv&from=${since}&to=${Date.now() + 1000}`,
          { headers: { authorization: `Bearer ${token}` } },
        )
      ).text();
      expect(csv.split('\n').length).toBeGreaterThan(2);
      expect(csv).not.toContain('Acme Outdoor');
      expect(csv).not.toContain('owner@acme-outdoor.example');
      // Kept per user by the backend.
      expect(JSON.parse(readFileSync(join(a.project, '.acme', 'preferences.json'), 'utf8')).u1).toMatchObject(
        { anonymize: true, optOut: false },
      );
    } finally {
      await a.close();
    }
  });

  it('[M16] "Opt out of sharing my usage data" → "Submit and close": no request at all afterwards', async () => {
    const a = await admin();
    try {
      await preferences(a.page, 'Opt out of sharing my usage data');
      await sleep(500);
      const before = a.requests.length;
      await a.page.reload();
      await nav(a.page, 'Orders');
      await a.page.getByRole('button', { name: 'Export orders' }).click();
      await nav(a.page, 'Products');
      await sleep(1000);
      expect(a.requests.length).toBe(before);
    } finally {
      await a.close();
    }
  });

  it('[M15] ACME_FF_ANALYTICS=false: the tracker is not loaded at all and nothing is sent', async () => {
    const a = await admin({ ACME_FF_ANALYTICS: 'false' });
    try {
      await nav(a.page, 'Orders');
      await nav(a.page, 'Settings');
      await nav(a.page, 'Personal Information');
      await sleep(1000);
      expect(a.requests).toEqual([]);
      expect(a.loaded.filter((u) => u.includes('/tally/'))).toEqual([]);
      expect(await a.stored()).toEqual([]);
      expect(await a.page.getByText('Usage insights are turned off').isVisible()).toBe(true);
    } finally {
      await a.close();
    }
  });
});
