import type { EventRow } from '../store/types.js';
import { ADMIN_PAGES, DESKTOP_PAGES } from './contracts.js';
import { type Random, seeded } from './random.js';

const DAY = 86_400_000;
const MIN = 60_000;

export type Profile = 'backend' | 'admin' | 'desktop';

interface Person {
  visitor: bigint;
  machine: string | null;
  project: string | null;
  os: string;
  osVersion: string;
  browser: string | null;
  device: string;
  runtimeVersion: string | null;
  locale: string;
  screen: string;
  /** Day index (from the start) the person first appears; versions adopted follow it. */
  since: number;
  facts: {
    products: number;
    orders: number;
    discounts: number;
    users: number;
    regions: string[];
    currencies: string[];
  };
}

const OS = [
  ['Linux', 55],
  ['Windows', 30],
  ['macOS', 15],
] as const;
const NODE_OS = [
  ['linux', 62],
  ['darwin', 25],
  ['win32', 13],
] as const;
const LOCALES = [
  ['en-US', 40],
  ['de-DE', 14],
  ['fr-FR', 10],
  ['es-ES', 8],
  ['ja-JP', 7],
  ['zh-CN', 7],
  ['pt-BR', 6],
  ['it-IT', 5],
  ['nl-NL', 3],
] as const;
const SCREENS = [
  ['1920x1080', 40],
  ['2560x1440', 20],
  ['1366x768', 9],
  ['3840x2160', 10],
  ['1440x900', 9],
  ['1280x800', 7],
  ['390x844', 5],
] as const;
const NODES = [
  ['20.20.2', 42],
  ['22.21.0', 36],
  ['18.20.8', 12],
  ['24.11.1', 10],
] as const;
const REGIONS = ['Europe', 'North America', 'UK', 'Asia Pacific', 'Nordics', 'LATAM'];
const CURRENCIES = ['eur', 'usd', 'gbp', 'jpy', 'sek', 'brl'];

const uuid = (r: Random) =>
  'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const v = r.int(0, 15);
    return (c === 'x' ? v : (v & 0x3) | 0x8).toString(16);
  });

/** Lognormal-ish data volume: most stores are small, a few are huge. */
const volume = (r: Random, median: number) =>
  Math.max(0, Math.round(median * Math.exp((r.next() - 0.5) * 5)));

function person(r: Random, profile: Profile, since: number): Person {
  const os = profile === 'backend' ? r.pick(NODE_OS) : r.pick(OS);
  const regionCount = r.int(1, 4);
  return {
    visitor: r.id64(),
    machine: profile === 'backend' ? uuid(r) : null,
    project: profile === 'backend' ? uuid(r) : null,
    os,
    osVersion: os === 'Linux' || os === 'linux' ? '6.1' : os === 'Windows' || os === 'win32' ? '10' : '14.5',
    browser:
      profile === 'backend'
        ? null
        : r.pick([
            ['Chrome', 60],
            ['Firefox', 20],
            ['Safari', 12],
            ['Microsoft Edge', 8],
          ] as const),
    device: profile === 'backend' ? 'server' : 'desktop',
    runtimeVersion: profile === 'backend' ? r.pick(NODES) : null,
    locale: r.pick(LOCALES),
    screen: r.pick(SCREENS),
    since,
    facts: {
      products: volume(r, 120),
      orders: volume(r, 900),
      discounts: volume(r, 6),
      users: Math.max(1, volume(r, 3)),
      regions: REGIONS.slice(0, regionCount),
      currencies: CURRENCIES.slice(0, Math.max(1, regionCount - 1)),
    },
  };
}

/** Which version someone runs on a day: newer releases spread over the weeks after they ship. */
function versionOn(r: Random, profile: Profile, day: number, days: number): string {
  const releases = profile === 'desktop' ? ['0.24.1', '0.25.0', '0.26.0'] : ['2.0.4', '2.0.9', '2.1.0'];
  const progress = day / days;
  const adopted = releases.filter((_, i) => progress >= i / releases.length - 0.1 || i === 0);
  return r.next() < 0.7
    ? (adopted[adopted.length - 1] as string)
    : (adopted[r.int(0, adopted.length - 1)] as string);
}

function row(
  appId: number,
  p: Person,
  visit: bigint,
  ts: number,
  name: string,
  extra: Partial<EventRow>,
  appVersion: string,
): EventRow {
  return {
    appId,
    ts,
    name,
    path: null,
    durationMs: null,
    visitor: p.visitor,
    visit,
    session: visit,
    os: p.os,
    osVersion: p.osVersion,
    browser: p.browser,
    device: p.device,
    arch: p.browser ? null : 'x64',
    runtime: p.browser ? null : 'node',
    runtimeVersion: p.runtimeVersion,
    appVersion,
    locale: p.browser ? p.locale : null,
    screen: p.browser ? p.screen : null,
    ci: p.browser ? null : false,
    docker: p.browser ? null : false,
    machine: p.machine,
    project: p.project,
    props: null,
    ...extra,
  };
}

/** Paths people visit, weighted: some pages are popular, some (at the end of the list) almost never seen. */
const weighted = (pages: string[], skipLast: number) =>
  pages.slice(0, pages.length - skipLast).map((p, i) => [p, Math.max(1, 40 / (i + 1))] as const);

function browseVisit(
  r: Random,
  appId: number,
  p: Person,
  start: number,
  pages: ReadonlyArray<readonly [string, number]>,
  version: string,
  out: EventRow[],
): number {
  const visit = r.id64();
  const n = r.next() < 0.3 ? 1 : r.int(2, 9);
  let ts = start;
  for (let i = 0; i < n; i++) {
    const path = i === 0 && r.next() < 0.6 ? (pages[0]?.[0] as string) : r.pick(pages);
    out.push(row(appId, p, visit, ts, 'pageview', { path }, version));
    const stay = Math.round(Math.min(45 * MIN, r.exp(path.includes('dialog') ? 4 * MIN : 90_000)) + 2000);
    ts += stay;
    if (n > 1 || r.next() < 0.5)
      out.push(row(appId, p, visit, ts, 'pageleave', { path, durationMs: stay }, version));
    ts += r.int(200, 3000);
  }
  if (p.facts && p.browser && r.next() < 0.04)
    out.push(
      row(
        appId,
        p,
        visit,
        ts,
        'error',
        {
          path: null,
          props: JSON.stringify({
            message: r.pick([
              ["Cannot read properties of undefined (reading 'id')", 3],
              ['Request failed with status 500', 2],
              ['Network Error', 1],
            ] as const),
            source: '/admin/assets/index.js',
          }),
        },
        version,
      ),
    );
  return visit === 0n ? 0 : n;
}

/**
 * Realistic usage for one app profile over `days` days ending at `end`, about `perDay` people a
 * day. Deterministic for a seed. Calls `sink` once per generated day so memory stays flat.
 */
export function generate(
  opts: { profile: Profile; appId: number; days: number; end: number; perDay: number; seed: number },
  sink: (rows: EventRow[]) => void,
): number {
  const r = seeded(opts.seed);
  const start = Math.floor(opts.end / DAY) * DAY - (opts.days - 1) * DAY;
  // The product had users before the first generated day: three weeks' worth of arrivals.
  const people: Person[] = Array.from({ length: Math.ceil(opts.perDay / 6) * 21 }, () =>
    person(r, opts.profile, 0),
  );
  let total = 0;
  for (let day = 0; day < opts.days; day++) {
    // New people keep arriving; returning people are drawn from those seen before.
    const arrivals = Math.ceil(opts.perDay / 6);
    for (let i = 0; i < arrivals; i++) people.push(person(r, opts.profile, day));
    // Most visits come from people who arrived in the last three weeks (people drift away), some from
    // anyone seen before: so visitor counts stay level from month to month instead of only growing.
    const recent = Math.min(people.length, arrivals * 21);
    const weekend = new Date(start + day * DAY).getUTCDay() % 6 === 0;
    const count = Math.round(opts.perDay * (weekend ? 0.6 : 1) * (0.85 + r.next() * 0.3));
    const rows: EventRow[] = [];
    for (let i = 0; i < count; i++) {
      const p = people[
        r.next() < 0.8 ? r.int(people.length - recent, people.length - 1) : r.int(0, people.length - 1)
      ] as Person;
      const version = versionOn(r, opts.profile, day, opts.days);
      const t0 = start + day * DAY + Math.floor(r.next() * (DAY - 2 * 3600_000));
      if (t0 >= opts.end) continue;
      if (opts.profile === 'backend') {
        const visit = r.id64();
        const extra = { props: JSON.stringify({ backendVersion: version, cliVersion: version }) };
        rows.push(row(opts.appId, p, visit, t0, 'start', extra, version));
        for (let h = 6; h < 24 && t0 + h * 3600_000 < opts.end && r.next() < 0.6; h += 6)
          rows.push(row(opts.appId, p, r.id64(), t0 + h * 3600_000, 'ping', {}, version));
      } else if (opts.profile === 'admin') {
        const pages = weighted(ADMIN_PAGES, 2);
        const before = rows.length;
        browseVisit(r, opts.appId, p, t0, pages, version, rows);
        const first = rows[before] as EventRow;
        const f = p.facts;
        if (r.next() > 0.3) continue; // store facts go once a day per user, not every visit
        rows.push(
          row(
            opts.appId,
            p,
            first.visit,
            t0 + 500,
            'store_facts',
            {
              props: JSON.stringify({
                storeName: `Store ${Number(BigInt.asUintN(16, p.visitor))}`,
                email: `owner${Number(BigInt.asUintN(16, p.visitor))}@example.com`,
                products: f.products,
                orders: f.orders,
                discounts: f.discounts,
                users: f.users,
                regions: f.regions.length,
                regionNames: f.regions,
                currencies: f.currencies,
              }),
            },
            version,
          ),
        );
      } else {
        browseVisit(r, opts.appId, p, t0, weighted(DESKTOP_PAGES, 1), version, rows);
      }
    }
    rows.sort((a, b) => a.ts - b.ts);
    total += rows.length;
    sink(rows);
  }
  return total;
}
