import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, delta, duration, percent } from '../../packages/dashboard/src/format.js';
import { startTally, type Tally } from '../../packages/server/src/index.js';
import { cleanup, tempDir } from '../../packages/server/test/support/harness.js';
import { skipWithout } from '../../test-support/system.js';
import { launchBrowser, SCREENSHOTS } from '../support/browser.js';

const skip = skipWithout('chromium');
const EMAIL = 'demo@tally.local';
const PASSWORD = 'tally-demo-password';

describe.skipIf(skip)('the dashboard answers the seed questions on the demo data', () => {
  const dataDir = tempDir('tally-e2e-dash-');
  let tally: Tally;
  let browser: Browser;
  let token = '';
  const appIds: Record<string, number> = {};
  /** What the browser refused under the dashboard's Content-Security-Policy, in any view opened. */
  const cspViolations: string[] = [];
  const watchCsp = (page: Page) =>
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });

  beforeAll(async () => {
    tally = await startTally({ dataDir, port: 0, adminEmail: EMAIL, adminPassword: PASSWORD, demo: true });
    token = await tally.adminToken();
    for (const a of tally.services.apps.list()) appIds[a.name] = a.id;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await tally?.close();
    cleanup(dataDir);
  });

  /** Logs in through the form and opens one app; remembers the query URLs the page used. */
  async function open(
    appName: string,
    opts: { width?: number; dark?: boolean; timezoneId?: string; email?: string; password?: string } = {},
  ) {
    const context = await browser.newContext({
      viewport: { width: opts.width ?? 1280, height: 900 },
      colorScheme: opts.dark ? 'dark' : 'light',
      ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
    });
    const page = await context.newPage();
    watchCsp(page);
    const urls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/apps/')) urls.push(r.url());
    });
    await page.goto(tally.url);
    await page.getByLabel('Email').fill(opts.email ?? EMAIL);
    await page.getByLabel('Password').fill(opts.password ?? PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#app').selectOption({ label: appName });
    await page.getByRole('heading', { name: 'Pages' }).waitFor();
    await page.waitForLoadState('networkidle');
    /** The same query the page made, answered for the test with an API token. */
    const same = async (route: string) => {
      const url = [...urls].reverse().find((u) => new URL(u).pathname.endsWith(route));
      if (!url) throw new Error(`the page made no ${route} request`);
      return (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json();
    };
    return { page, context, same, urls };
  }
  const bearer = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

  const cells = (page: Page, selector: string) => page.locator(selector).allInnerTexts();

  it('[R6] the pages table has the seed’s columns in the seed’s order and formats, with the API’s numbers', async () => {
    const { page, context, same } = await open('Laserforge (desktop)');
    try {
      expect(await cells(page, 'table.pages th')).toEqual([
        'Path',
        'Visitors',
        'Visits',
        'Views',
        'Bounce rate',
        'Visit duration',
        'Time on page',
      ]);
      const api = await same('/pages');
      const rows = await page.locator('table.pages tbody tr').all();
      expect(rows).toHaveLength(api.length);
      for (const [i, row] of rows.entries()) {
        const p = api[i];
        expect(await row.locator('td').allInnerTexts()).toEqual([
          p.path,
          p.visitors.toLocaleString('en-US'),
          p.visits.toLocaleString('en-US'),
          p.views.toLocaleString('en-US'),
          percent(p.bounceRate),
          duration(p.visitDuration),
          duration(p.timeOnPage),
        ]);
      }
      const o = await same('/overview');
      expect(await page.locator('[data-stat="Visitors"] b').innerText()).toBe(
        o.visitors.toLocaleString('en-US'),
      );
      expect(await page.locator('[data-stat="Bounce rate"] b').innerText()).toBe(percent(o.bounceRate));
      expect(await page.locator('[data-stat="Visit duration"] b').innerText()).toBe(
        duration(o.visitDuration),
      );
    } finally {
      await context.close();
    }
  });

  it('a range with more page views than TALLY_SAMPLE_ABOVE shows estimates, and says so', async () => {
    const config = tally.services.config;
    const before = config.sampleAbove;
    config.sampleAbove = 500; // as if started with TALLY_SAMPLE_ABOVE=500
    try {
      const { page, context, same } = await open('Acme Admin');
      try {
        const api = await same('/pages');
        const every = Math.round(1 / api[0].sample);
        expect(every).toBeGreaterThan(1);
        expect(await page.getByTestId('pages-sample').innerText()).toContain(`1 in ${every} visitors`);
        const first = await page.locator('table.pages tbody tr').first().locator('td').allInnerTexts();
        expect(first.slice(0, 4)).toEqual([
          api[0].path,
          api[0].visitors.toLocaleString('en-US'),
          api[0].visits.toLocaleString('en-US'),
          api[0].views.toLocaleString('en-US'),
        ]);
        expect(api[0].views % every).toBe(0);
        await page
          .locator('section', { has: page.getByRole('heading', { name: 'Pages' }) })
          .screenshot({ path: join(SCREENSHOTS, 'view-pages-sampled-light.png') });
      } finally {
        await context.close();
      }
    } finally {
      config.sampleAbove = before;
    }
  });

  it('[Q1] [Q2] [Q5] answers which OS, which version and which Node version, in words the API proves', async () => {
    const { page, context, same } = await open('Acme Commerce backend');
    try {
      const insights = await cells(page, '.insights li');
      const share = (rows: Array<{ value: string; visitors: number }>) =>
        percent((rows[0]?.visitors ?? 0) / rows.reduce((s, r) => s + r.visitors, 0));
      const os = await same('/breakdown/os');
      expect(insights).toContain(
        `Most installs run ${{ linux: 'Linux', darwin: 'macOS', win32: 'Windows' }[os[0].value as string]} (${share(os)})`,
      );
      const versions = await same('/breakdown/appVersion');
      expect(insights).toContain(`Version ${versions[0].value} is the most used (${share(versions)})`);
      const node = await same('/breakdown/runtimeVersion');
      expect(insights).toContain(`Node ${node[0].value} is the most used Node version (${share(node)})`);
      // The CLI's version (the seed's "CLI versions"), from the start event's property.
      const cli = page.locator('section', {
        has: page.getByRole('heading', { name: 'The version of the Acme CLI' }),
      });
      const apiCli: Array<{ value: string; visitors: number }> = await same('/breakdown/prop:cliVersion');
      expect(apiCli.length).toBeGreaterThan(0);
      expect(await cli.locator('li button').allInnerTexts()).toEqual(apiCli.slice(0, 8).map((r) => r.value));
      // A backend's figures: visitors, visits and its events, not views, bounces and visit durations
      // that could only read 0, — and 0s.
      const overview = await same('/overview');
      expect(overview.views + overview.previous.views).toBe(0);
      expect(
        await page
          .locator('[data-stat]')
          .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-stat'))),
      ).toEqual(['Visitors', 'Visits', 'Events']);
      expect(await page.locator('[data-stat="Events"] b').innerText()).toBe(count(overview.events));
      // A backend sends no page views: the Pages card says so instead of showing an empty table.
      expect(await same('/pages')).toEqual([]);
      expect(await page.getByTestId('pages-empty').innerText()).toBe('No page views in this range');
      expect(await page.locator('table.pages').isVisible()).toBe(false);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-backend.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('[Q3] [Q4] shows the admin pages nobody opens and how much data stores manage', async () => {
    const { page, context, same, urls } = await open('Acme Admin');
    try {
      const pages: Array<{ path: string }> = await same('/pages');
      const seen = new Set(pages.map((p) => p.path));
      const contract = tally.services.apps.list().find((a) => a.name === 'Acme Admin')?.contract;
      const never = (contract?.pages ?? []).filter((p) => !seen.has(p));
      expect(never.length).toBeGreaterThan(0);
      const insights = await cells(page, '.insights li');
      for (const p of never) expect(insights).toContain(`Nobody opened ${p}`);
      const products = page.locator('section', {
        has: page.getByRole('heading', { name: 'The total number of products' }),
      });
      const apiBuckets = await same('/breakdown/prop:products');
      expect(await products.locator('li b').allInnerTexts()).toEqual(
        apiBuckets.slice(0, 8).map((b: { visitors: number }) => b.visitors.toLocaleString('en-US')),
      );
      // Which currencies stores use: a card of the API's values, each a filter. A store's name or a
      // user's email (pii in the contract) is never a card, nor asked for.
      const currencies = page.locator('section', {
        has: page.getByRole('heading', { name: 'The currencies used in the store' }),
      });
      const apiCurrencies: Array<{ value: string; visitors: number }> = await same(
        '/breakdown/prop:currencies',
      );
      expect(apiCurrencies.length).toBeGreaterThan(1);
      expect(await currencies.locator('li button').allInnerTexts()).toEqual(
        apiCurrencies.map((r) => r.value),
      );
      expect(await currencies.locator('li b').allInnerTexts()).toEqual(
        apiCurrencies.map((r) => count(r.visitors)),
      );
      for (const name of ['The name of the store', 'The email of the user'])
        expect(await page.getByRole('heading', { name }).count()).toBe(0);
      expect(urls.filter((u) => /prop:(storeName|email)/.test(decodeURIComponent(u)))).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-admin.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('filters by clicking a value, and changes the range', async () => {
    const { page, context } = await open('Laserforge (desktop)');
    try {
      const withFilter = (u: string, path: string) => u.includes(path) && u.includes('filter=locale%3Ade-DE');
      const overview = page.waitForRequest((r) => withFilter(r.url(), '/overview'));
      const locales = page.waitForResponse((r) => withFilter(r.url(), '/breakdown/locale'));
      await page.locator('#breakdown-locale').getByRole('button', { name: 'de-DE' }).click();
      await page.getByRole('button', { name: 'locale: de-DE ✕' }).waitFor();
      await overview;
      const filtered = await (await locales).json();
      expect(filtered.map((r: { value: string }) => r.value)).toEqual(['de-DE']);
      const days = (u: string) => {
        const q = new URL(u).searchParams;
        return Math.round((Number(q.get('to')) - Number(q.get('from'))) / 86_400_000);
      };
      const sevenDays = page.waitForRequest((r) => r.url().includes('/overview') && days(r.url()) === 7);
      await page.getByRole('button', { name: 'Last 7 days' }).click();
      expect(days((await sevenDays).url())).toBe(7);
      expect(new URL((await sevenDays).url()).searchParams.getAll('filter')).toEqual(['locale:de-DE']);
    } finally {
      await context.close();
    }
  });

  it('a custom range of whole local days drives the queries, the URL, the cards and the comparison', async () => {
    // India has no daylight saving and a half-hour offset: local midnight is 18:30 UTC the day before.
    const offset = 5.5 * 3_600_000;
    const { page, context } = await open('Laserforge (desktop)', { timezoneId: 'Asia/Kolkata' });
    try {
      const today = new Date(Date.now() + offset);
      const day = (ago: number) =>
        Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - ago) - offset;
      const text = (t: number) => new Date(t + offset).toISOString().slice(0, 10);
      const [from, to] = [text(day(20)), text(day(10))];

      const custom = page.getByRole('button', { name: 'Custom', exact: true });
      const first = page.waitForRequest((r) => r.url().includes('/overview'));
      await custom.focus();
      await page.keyboard.press('Enter');
      await first;
      expect(await custom.getAttribute('aria-pressed')).toBe('true');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.closest('label')?.textContent?.trim())).toBe(
        'From',
      );
      const afterFrom = page.waitForRequest((r) => r.url().includes('/overview'));
      await page.getByLabel('From', { exact: true }).fill(from);
      await afterFrom;
      const request = page.waitForRequest((r) => r.url().includes('/overview'));
      await page.getByLabel('To', { exact: true }).fill(to);
      const url = new URL((await request).url());
      await (await request).response();
      expect(Number(url.searchParams.get('from'))).toBe(day(20));
      // To is inclusive: the range ends at the midnight after it.
      expect(Number(url.searchParams.get('to'))).toBe(day(9));
      expect(new URL(page.url()).searchParams.toString()).toContain(`range=custom&from=${from}&to=${to}`);

      const o = await (await fetch(url, { headers: bearer() })).json();
      for (const [label, value, before] of [
        ['Visitors', o.visitors, o.previous.visitors],
        ['Visits', o.visits, o.previous.visits],
        ['Views', o.views, o.previous.views],
      ] as const) {
        const card = page.locator(`[data-stat="${label}"]`);
        await expect.poll(() => card.locator('b').innerText()).toBe(count(value));
        expect(await card.locator('span').innerText()).toBe(`${delta(value, before)} vs previous`);
      }
      expect(o.visitors).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });

  it('realtime: the per-minute chart and the active count are the API’s, for events just sent', async () => {
    const created = await (
      await fetch(`${tally.url}/api/apps`, {
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify({ name: 'Realtime check' }),
      })
    ).json();
    const key = tally.services.apps.list().find((a) => a.id === created.id)?.key;
    const people = 3;
    for (let i = 0; i < people; i++) {
      // Without a machine id a visitor is the client address and User-Agent: one agent per person.
      const res = await fetch(`${tally.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `e2e-person-${i}` },
        body: JSON.stringify({
          app: key,
          context: { session: `s-${i}` },
          events: [{ name: 'pageview', ts: Date.now(), path: '/' }],
        }),
      });
      expect(res.status).toBe(204); // every event accepted
    }
    const { page, context } = await open('Realtime check');
    try {
      const api = await (
        await fetch(`${tally.url}/api/apps/${created.id}/realtime`, { headers: bearer() })
      ).json();
      expect(api.active).toBe(people);
      await expect.poll(() => page.locator('.realtime .now b').innerText()).toBe(String(api.active));
      expect(await page.getByRole('banner').getByText('active now').innerText()).toBe(`${people} active now`);
      const shown = await page
        .locator('.realtime tbody tr')
        .evaluateAll((rows) =>
          (rows as HTMLTableRowElement[]).map((r) => [
            Number(r.dataset.t),
            Number(r.cells[1]?.textContent?.replace(/,/g, '')),
          ]),
        );
      expect(shown).toHaveLength(30);
      // The page and the test may ask in different minutes: compare the minutes both windows hold.
      const byMinute = new Map(shown.map(([t, n]) => [t, n]));
      const both = (api.perMinute as Array<{ t: number; visitors: number }>).filter((m) => byMinute.has(m.t));
      expect(both.length).toBeGreaterThanOrEqual(29);
      for (const m of both) expect(byMinute.get(m.t)).toBe(m.visitors);
      expect(shown.reduce((sum, [, n]) => sum + (n ?? 0), 0)).toBe(people);
      const bars = await page
        .locator('.minutes i')
        .evaluateAll((bars) => bars.map((b) => (b as HTMLElement).style.height));
      expect(bars.map((h) => h !== '0%')).toEqual(shown.map(([, n]) => (n ?? 0) > 0));
      await page.locator('.realtime').screenshot({ path: join(SCREENSHOTS, 'view-realtime-events.png') });
    } finally {
      await context.close();
    }
  });

  it('share links open read-only without login, for one app, until revoked', async () => {
    const id = appIds['Laserforge (desktop)'] as number;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const share = await (
      await fetch(`${tally.url}/api/apps/${id}/shares`, { method: 'POST', headers: auth })
    ).json();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      watchCsp(page);
      await page.goto(`${tally.url}${share.url}`);
      await page.getByText('Read-only shared view').waitFor();
      await page.getByRole('heading', { name: 'Pages' }).waitFor();
      expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
      const other = appIds['Acme Admin'];
      expect(
        (
          await fetch(`${tally.url}/api/apps/${other}/overview`, {
            headers: { 'x-tally-share': share.token },
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await fetch(`${tally.url}/api/apps/${id}`, {
            method: 'PATCH',
            headers: { 'x-tally-share': share.token, 'content-type': 'application/json' },
            body: '{"name":"x"}',
          })
        ).status,
      ).toBe(403);
      expect(
        await (await fetch(`${tally.url}/api/share`, { headers: { 'x-tally-share': share.token } })).json(),
      ).not.toHaveProperty('key');
      await fetch(`${tally.url}/api/apps/${id}/shares/${share.id}`, { method: 'DELETE', headers: auth });
      await page.reload();
      await page.getByRole('alert').waitFor();
    } finally {
      await context.close();
    }
  });

  it('a viewer can read but not change settings; the API refuses', async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await fetch(`${tally.url}/api/users`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ email: 'viewer@example.com', password: 'viewer-password', role: 'viewer' }),
    });
    const login = await (
      await fetch(`${tally.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'viewer@example.com', password: 'viewer-password' }),
      })
    ).json();
    const viewer = { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' };
    const id = appIds['Acme Admin'];
    expect((await fetch(`${tally.url}/api/apps/${id}/overview`, { headers: viewer })).status).toBe(200);
    expect(
      (await fetch(`${tally.url}/api/apps`, { method: 'POST', headers: viewer, body: '{"name":"x"}' }))
        .status,
    ).toBe(403);
    expect(
      (
        await fetch(`${tally.url}/api/apps/${id}`, {
          method: 'PATCH',
          headers: viewer,
          body: '{"retentionDays":1}',
        })
      ).status,
    ).toBe(403);
    expect((await fetch(`${tally.url}/api/users`, { headers: viewer })).status).toBe(403);

    const { page, context } = await open('Acme Admin', {
      email: 'viewer@example.com',
      password: 'viewer-password',
    });
    try {
      const refused: string[] = [];
      page.on('response', (r) => {
        if (r.status() === 403) refused.push(r.url());
      });
      await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
      await page.getByText('Only owners can change settings.').waitFor();
      const settings = page.locator('main.settings');
      expect(await settings.locator('button, input, select, textarea, form').count()).toBe(0);
      for (const name of [
        'Create',
        'Save',
        'Create share link',
        'Erase',
        'Add user',
        'Create token',
        'Revoke',
      ])
        expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
      expect(await page.getByTestId('app-key').count()).toBe(0);
      expect(refused).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, 'view-settings-viewer.png') });
    } finally {
      await context.close();
    }
  });

  it('every view fits the screen in light and dark, and at phone width (screenshots saved)', async () => {
    const id = appIds['Acme Admin'] as number;
    const share = await (
      await fetch(`${tally.url}/api/apps/${id}/shares`, { method: 'POST', headers: bearer() })
    ).json();
    for (const [mode, opts] of [
      ['light', {}],
      ['dark', { dark: true }],
      ['phone', { width: 390 }],
    ] as const) {
      const { page, context } = await open('Acme Admin', opts);
      try {
        const shot = (view: string) => join(SCREENSHOTS, `view-${view}-${mode}.png`);
        const fits = async (view: string) =>
          expect(
            await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
            `${view} overflows sideways (${mode})`,
          ).toBeLessThanOrEqual(0);
        const card = (heading: string) =>
          page.locator('section', { has: page.getByRole('heading', { name: heading, exact: true }) });
        await fits('overview');
        await page.screenshot({ path: shot('overview') });
        await card('Realtime').screenshot({ path: shot('realtime') });
        await card('Insights').screenshot({ path: shot('insights') });
        await card('Pages').screenshot({ path: shot('pages') });
        await page.locator('.grid').screenshot({ path: shot('breakdowns') });
        await card('Errors').screenshot({ path: shot('errors') });
        await page.screenshot({ path: shot('dashboard'), fullPage: true });
        await page.getByRole('button', { name: 'Custom', exact: true }).click();
        await page.getByLabel('From', { exact: true }).waitFor();
        await fits('custom range');
        await page.locator('header').screenshot({ path: shot('custom-range') });
        const loaded = ['/api/users', '/api/tokens', `/api/apps/${id}/shares`].map((path) =>
          page.waitForResponse((r) => new URL(r.url()).pathname === path),
        );
        await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
        await Promise.all(loaded);
        await page.getByRole('button', { name: 'Revoke' }).first().waitFor();
        await fits('settings');
        await page.screenshot({ path: shot('settings'), fullPage: true });

        // Still logged in, as an owner checking a link before sending it.
        await page.goto(`${tally.url}${share.url}`);
        await page.getByRole('heading', { name: 'Pages' }).waitFor();
        await page.waitForLoadState('networkidle');
        await fits('share link');
        await page.screenshot({ path: shot('share-top') });
        await page.screenshot({ path: shot('share'), fullPage: true });
      } finally {
        await context.close();
      }
    }
  });

  it('exports the range as CSV with one row per event', async () => {
    const { page, context, same } = await open('Acme Commerce backend');
    try {
      const href = await page.getByRole('link', { name: 'CSV' }).getAttribute('href');
      const res = await page.request.get(`${tally.url}${href}`);
      expect(res.status()).toBe(200);
      const lines = (await res.text()).trim().split('\n');
      const o = await same('/overview');
      expect(lines.length - 1).toBe(o.events);
    } finally {
      await context.close();
    }
  });

  it('owners create an app (key and snippets shown), a share link, stop and resume its events, and delete it (its name typed out) from the Settings view', async () => {
    const { page, context } = await open('Acme Admin');
    try {
      await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
      await page.getByLabel('Name', { exact: true }).fill('New product');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const key = await page.getByTestId('app-key').innerText();
      expect(key).toMatch(/^tk_/);
      expect(await page.locator('.snippets pre').first().innerText()).toContain(`data-app="${key}"`);
      expect(tally.services.apps.list().some((a) => a.name === 'New product' && a.key === key)).toBe(true);
      await page.getByRole('button', { name: 'Create share link' }).click();
      expect(await page.getByTestId('secret').innerText()).toContain('/share/sh_');
      // The selected app's key and snippets stay at hand, not only right after it was created
      await page.getByText('Send events to New product: its key and snippets').click();
      expect(await page.getByTestId('selected-app-key').innerText()).toBe(key);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-settings.png'), fullPage: true });
      // The retention field shows what is saved, after a reload too
      const days = page.getByLabel(/Keep data for/);
      expect(await days.inputValue()).toBe('');
      await days.fill('30');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Retention saved').waitFor();
      expect(tally.services.apps.list().find((a) => a.key === key)?.retentionDays).toBe(30);
      await page.reload();
      await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
      await expect.poll(() => page.getByLabel(/Keep data for/).inputValue()).toBe('30');
      // A kill switch: refused events (410, SDKs stop sending), then accepted again
      const send = () =>
        fetch(`${tally.url}/api/v1/events`, {
          method: 'POST',
          body: JSON.stringify({ app: key, events: [{ name: 'pageview', path: '/' }] }),
        }).then((r) => r.status);
      expect(await send()).toBe(204);
      await page.getByRole('button', { name: 'Stop accepting events' }).click();
      await page.getByRole('button', { name: 'Accept events again' }).waitFor();
      expect(await send()).toBe(410);
      await page.getByRole('button', { name: 'Accept events again' }).click();
      await page.getByRole('button', { name: 'Stop accepting events' }).waitFor();
      expect(await send()).toBe(204);
      // Deleting it takes its name typed out: a wrong one deletes nothing
      const confirm = page.getByLabel(/Type its name to confirm/);
      await confirm.fill('New produc');
      await page.getByRole('button', { name: 'Delete app' }).click();
      await page.getByText('Type New product to delete it').waitFor();
      expect(tally.services.apps.list().some((a) => a.key === key)).toBe(true);
      await confirm.fill('New product');
      await page.getByRole('button', { name: 'Delete app' }).click();
      await page.getByText('Deleted New product and its 2 events').waitFor();
      expect(tally.services.apps.list().some((a) => a.key === key)).toBe(false);
      await expect
        .poll(() => page.getByRole('banner').locator('select').innerText(), { timeout: 5_000 })
        .not.toContain('New product');
    } finally {
      await context.close();
    }
  });

  it('an owner downloads a backup from Settings: a DuckDB file with every app and event of the server', async () => {
    const { page, context } = await open('Acme Admin');
    const file = join(dataDir, 'downloaded-backup.duckdb');
    try {
      await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('download-backup').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^tally-backup-\d{4}-\d\d-\d\d\.duckdb$/);
      await download.saveAs(file);
      const counts = 'SELECT (SELECT count(*) FROM apps) AS apps, (SELECT count(*) FROM events) AS events';
      const [live] = await tally.services.events.all<{ apps: bigint; events: bigint }>(counts);
      const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
      try {
        const conn = await db.connect();
        const [saved] = (await conn.runAndReadAll(counts)).getRowObjectsJS();
        conn.closeSync();
        expect(saved).toEqual(live);
        expect(Number(live?.events)).toBeGreaterThan(10_000);
      } finally {
        db.closeSync();
      }
    } finally {
      await context.close();
    }
  });

  it('every view above ran under the dashboard’s Content-Security-Policy without a violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
