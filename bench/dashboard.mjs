// Dashboard: time from navigation to a fully rendered overview (cards, chart, pages table) on the
// demo data, median of 5 page loads in Debian's Chromium. Query times at 10M events: bench/queries.mjs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startTally } from '../packages/server/dist/index.js';
import { median, report } from './lib.mjs';

const CHROMIUM = process.env.TALLY_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log('bench/dashboard: chromium is not installed; skipped');
  process.exit(0);
}
const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-dash-'));
const tally = await startTally({
  dataDir,
  port: 0,
  adminEmail: 'demo@tally.local',
  adminPassword: 'tally-demo-password',
  demo: true,
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(tally.url);
  await page.getByLabel('Email').fill('demo@tally.local');
  await page.getByLabel('Password').fill('tally-demo-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Pages' }).waitFor();
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await page.goto(`${tally.url}/?app=3&range=30d`);
    await page.locator('table.pages tbody tr').first().waitFor();
    await page.locator('[data-stat="Visitors"] b').waitFor();
    runs.push(performance.now() - t);
  }
  report('dashboard', {
    demoApp: 'Laserforge (desktop)',
    range: '30 days',
    navigationToRenderedOverviewMs: Math.round(median(runs)),
    runsMs: runs.map(Math.round),
  });
} finally {
  await browser.close();
  await tally.close();
  rmSync(dataDir, { recursive: true, force: true });
}
