import { Fragment, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  type App,
  api,
  type BreakdownRow,
  type Figures,
  login,
  logout,
  me,
  type PageRow,
  type PropSpec,
  query,
  shareToken,
} from './api.js';
import { count, delta, duration, percent } from './format.js';
import { type Insight, osName, top, undiscovered } from './insights.js';
import { customRange, hourly, isoDay, PRESETS, type Range, rangeOf } from './range.js';
import { Settings } from './settings.js';

const BREAKDOWNS: Array<[string, string]> = [
  ['locale', 'Languages'],
  ['screen', 'Screen sizes'],
  ['os', 'Operating systems'],
  ['osVersion', 'OS versions'],
  ['browser', 'Browsers'],
  ['device', 'Devices'],
  ['runtimeVersion', 'Node versions'],
  ['appVersion', 'App versions'],
  ['event', 'Events'],
];

interface Data {
  overview: Figures & { previous: Figures };
  series: Array<{ t: number; visitors: number; views: number }>;
  pages: PageRow[];
  breakdowns: Record<string, BreakdownRow[]>;
  buckets: Record<string, Array<{ bucket: string; visitors: number }>>;
  /** Top values of the contract's anonymous text and list properties (currencies, a CLI's version). */
  props: Array<{ name: string; label: string; rows: BreakdownRow[] }>;
  errors: Array<{ message: string; count: number; visitors: number; lastSeen: number }>;
}

interface Realtime {
  active: number;
  perMinute: Array<{ t: number; visitors: number }>;
}

function Login({ onDone }: { onDone: () => void }) {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    try {
      await login(String(f.get('email')), String(f.get('password')));
      onDone();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="login card" onSubmit={submit}>
      <h1>Tally</h1>
      <label>
        Email <input name="email" type="email" autocomplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autocomplete="current-password" required />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" type="submit">
        Log in
      </button>
    </form>
  );
}

function Card({
  label,
  value,
  before,
  format,
}: {
  label: string;
  value: number | null;
  before: number | null;
  format: (n: number | null) => string;
}) {
  const d = delta(value, before);
  return (
    <div class="card stat" data-stat={label}>
      <small>{label}</small>
      <b>{format(value)}</b>
      {d && <span class={d.startsWith('-') ? 'down' : 'up'}>{d} vs previous</span>}
    </div>
  );
}

function Chart({ series }: { series: Data['series'] }) {
  const max = Math.max(1, ...series.map((p) => p.visitors));
  const w = 100 / Math.max(1, series.length);
  return (
    <svg
      class="chart"
      viewBox="0 0 100 40"
      preserveAspectRatio="none"
      role="img"
      aria-label="Visitors over time"
    >
      {series.map((p, i) => (
        <rect
          key={p.t}
          x={i * w + w * 0.1}
          width={w * 0.8}
          y={40 - (p.visitors / max) * 38}
          height={(p.visitors / max) * 38}
        >
          <title>{`${new Date(p.t).toLocaleString()}: ${p.visitors} visitors, ${p.views} views`}</title>
        </rect>
      ))}
    </svg>
  );
}

/** Two whole days, From and To (inclusive), in the browser's time zone. */
function CustomRange({
  days,
  onChange,
}: {
  days: [string, string];
  onChange: (days: [string, string]) => void;
}) {
  const today = isoDay(Date.now());
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <fieldset class="custom">
      <legend class="sr">Custom range</legend>
      <label>
        From{' '}
        <input
          type="date"
          value={days[0]}
          max={days[1] || today}
          onChange={(e) => onChange([value(e), days[1]])}
        />
      </label>
      <label>
        To{' '}
        <input
          type="date"
          value={days[1]}
          min={days[0]}
          max={today}
          onChange={(e) => onChange([days[0], value(e)])}
        />
      </label>
      {!customRange(...days) && (
        <span class="error" role="alert">
          Choose a From day on or before the To day
        </span>
      )}
    </fieldset>
  );
}

/** Visitors per minute over the last 30 minutes, drawn as bars and told as a table to screen readers. */
function RealtimeCard({ live }: { live: Realtime }) {
  const peak = Math.max(0, ...live.perMinute.map((p) => p.visitors));
  const max = Math.max(1, peak);
  const minute = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <section class="card wide realtime">
      <h2>Realtime</h2>
      <p class="now">
        <b>{count(live.active)}</b> active now <span class="muted">(last 5 minutes)</span>
        <span class="muted peak">Busiest minute: {count(peak)}</span>
      </p>
      <div class="minutes" aria-hidden="true">
        {live.perMinute.map((p) => (
          <span key={p.t} title={`${minute(p.t)}: ${p.visitors} visitors`}>
            <i style={{ height: `${(p.visitors / max) * 100}%` }} />
          </span>
        ))}
      </div>
      <div class="axis muted" aria-hidden="true">
        <span>30 minutes ago</span>
        <span>now</span>
      </div>
      <table class="sr">
        <caption>Visitors per minute, last 30 minutes</caption>
        <thead>
          <tr>
            <th scope="col">Minute</th>
            <th scope="col">Visitors</th>
          </tr>
        </thead>
        <tbody>
          {live.perMinute.map((p) => (
            <tr key={p.t} data-t={p.t}>
              <td>{minute(p.t)}</td>
              <td>{count(p.visitors)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A chart's time label: the day, or the hour for short ranges. */
function when(t: number | undefined, range: Range | null): string {
  if (t === undefined) return '';
  const d = new Date(t);
  return range && hourly(range)
    ? d.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** A path that may wrap after each slash on a narrow screen. */
const breakable = (path: string) =>
  path.split(/(?<=\/)/).map((part, i) => (
    <Fragment key={i}>
      {part}
      <wbr />
    </Fragment>
  ));

type SortKey = keyof PageRow;
const COLUMNS: Array<[SortKey, string, (r: PageRow) => string]> = [
  ['path', 'Path', (r) => r.path],
  ['visitors', 'Visitors', (r) => count(r.visitors)],
  ['visits', 'Visits', (r) => count(r.visits)],
  ['views', 'Views', (r) => count(r.views)],
  ['bounceRate', 'Bounce rate', (r) => percent(r.bounceRate)],
  ['visitDuration', 'Visit duration', (r) => duration(r.visitDuration)],
  ['timeOnPage', 'Time on page', (r) => duration(r.timeOnPage)],
];

function Pages({ rows, onFilter }: { rows: PageRow[]; onFilter: (d: string, v: string) => void }) {
  const [sort, setSort] = useState<[SortKey, number]>(['views', -1]);
  const sorted = [...rows].sort((a, b) => {
    const x = a[sort[0]] ?? -1;
    const y = b[sort[0]] ?? -1;
    return (x < y ? -1 : x > y ? 1 : 0) * sort[1];
  });
  return (
    <section class="card wide">
      <h2>Pages</h2>
      {rows[0]?.sample && (
        <p class="note" data-testid="pages-sample">
          Estimated from 1 in {Math.round(1 / rows[0].sample)} visitors: this range has too many page views to
          count each pair of page and visitor quickly.
        </p>
      )}
      {rows.length === 0 && (
        // A backend or CLI sends no page views: say so rather than show an empty table
        <p class="muted" data-testid="pages-empty">
          No page views in this range
        </p>
      )}
      <table class="pages" hidden={rows.length === 0}>
        <thead>
          <tr>
            {COLUMNS.map(([key, label]) => (
              <th
                key={key}
                aria-sort={sort[0] === key ? (sort[1] > 0 ? 'ascending' : 'descending') : undefined}
              >
                <button
                  type="button"
                  class="link"
                  onClick={() => setSort([key, sort[0] === key ? -sort[1] : -1])}
                >
                  {label}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.path}>
              {COLUMNS.map(([key, , show]) => (
                <td key={key}>
                  {key === 'path' ? (
                    <button type="button" class="link" onClick={() => onFilter('path', r.path)}>
                      {breakable(show(r))}
                    </button>
                  ) : (
                    show(r)
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Breakdown({
  title,
  dimension,
  rows,
  onFilter,
}: {
  title: string;
  dimension: string;
  rows: BreakdownRow[];
  onFilter?: (d: string, v: string) => void;
}) {
  const max = Math.max(1, ...rows.map((r) => r.visitors));
  return (
    <section class="card" id={`breakdown-${dimension}`}>
      <h2>{title}</h2>
      <ul class="bars">
        {rows.slice(0, 8).map((r) => (
          <li key={r.value}>
            <span class="bar" style={{ width: `${(r.visitors / max) * 100}%` }} />
            {onFilter ? (
              <button type="button" class="link" onClick={() => onFilter(dimension, r.value)}>
                {dimension === 'os' ? osName(r.value) : r.value}
              </button>
            ) : (
              <span>{r.value}</span>
            )}
            <b>{count(r.visitors)}</b>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Dashboard({
  user,
  onLogout,
}: {
  user: { email: string; role: string } | null;
  onLogout: () => void;
}) {
  const [apps, setApps] = useState<App[]>([]);
  const params = new URLSearchParams(location.search);
  const [appId, setAppId] = useState(Number(params.get('app')) || 0);
  const [preset, setPreset] = useState(params.get('range') ?? '30d');
  const [custom, setCustom] = useState<[string, string]>([params.get('from') ?? '', params.get('to') ?? '']);
  const [filters, setFilters] = useState<Array<[string, string]>>(
    params.getAll('filter').map((f) => [f.slice(0, f.indexOf(':')), f.slice(f.indexOf(':') + 1)]),
  );
  const [data, setData] = useState<Data | null>(null);
  const [live, setLive] = useState<Realtime | null>(null);
  const [error, setError] = useState('');
  const [view, setView] = useState<'stats' | 'settings'>('stats');
  const app = apps.find((a) => a.id === appId);

  const loadApps = (select?: number) =>
    (shareToken ? api<App>('/api/share').then((a) => [a]) : api<App[]>('/api/apps')).then(
      (list) => {
        setApps(list);
        if (select) setAppId(select);
        else if (!list.some((a) => a.id === appId) && list[0]) setAppId(list[0].id);
      },
      (e) => setError(e.message),
    );
  useEffect(() => void loadApps(), []);

  useEffect(() => {
    if (!app) return;
    const q = new URLSearchParams({ app: String(app.id), range: preset });
    if (preset === 'custom') {
      q.set('from', custom[0]);
      q.set('to', custom[1]);
    }
    for (const [d, v] of filters) q.append('filter', `${d}:${v}`);
    history.replaceState(null, '', `${location.pathname}?${q}`);
    const range = rangeOf(preset, custom, Date.now());
    if (!range) return;
    let current = true;
    const qs = query(range, filters);
    const base = `/api/apps/${app.id}`;
    /** The contract's properties that `keep` (by name: one card however many events declare it). */
    const propsWhere = (keep: (p: PropSpec, event: string) => boolean) => [
      ...new Map(
        Object.entries(app.contract.events).flatMap(([event, e]) =>
          Object.entries(e.props ?? {})
            .filter(([, p]) => keep(p, event))
            .map(([name, p]) => [name, p.description] as const),
        ),
      ),
    ];
    const numeric = propsWhere((p) => p.type === 'integer' || p.type === 'number');
    // Never a store's name or a user's email (pii), nor an error's message (the Errors card has it).
    const categorical = propsWhere(
      (p, event) =>
        (p.type === 'string' || p.type === 'string[]') &&
        (p.privacy ?? 'anonymous') === 'anonymous' &&
        event !== 'error',
    );
    setData(null);
    Promise.all([
      api<Data['overview']>(`${base}/overview${qs}`),
      api<Data['series']>(`${base}/timeseries${qs}&interval=${hourly(range) ? 'hour' : 'day'}`),
      api<PageRow[]>(`${base}/pages${qs}`),
      Promise.all(BREAKDOWNS.map(([d]) => api<BreakdownRow[]>(`${base}/breakdown/${d}${qs}`))),
      Promise.all(
        numeric.map(([name]) =>
          api<Data['buckets'][string]>(`${base}/breakdown/prop:${name}${qs}&buckets=1`),
        ),
      ),
      Promise.all(categorical.map(([name]) => api<BreakdownRow[]>(`${base}/breakdown/prop:${name}${qs}`))),
      api<Data['errors']>(`${base}/errors${qs}`),
    ]).then(
      // A slower answer for a range or filter the user has since left must not replace the current one.
      ([overview, series, pages, bds, bks, cats, errors]) =>
        current &&
        setData({
          overview,
          series,
          pages,
          breakdowns: Object.fromEntries(BREAKDOWNS.map(([d], i) => [d, bds[i] ?? []])),
          buckets: Object.fromEntries(numeric.map(([, label], i) => [label, bks[i] ?? []])),
          props: categorical.map(([name, label], i) => ({ name, label, rows: cats[i] ?? [] })),
          errors,
        }),
      (e) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [app, preset, custom, filters]);

  // Realtime ignores the range: the last 30 minutes, refreshed every 30 seconds.
  useEffect(() => {
    if (!app) return;
    let current = true;
    setLive(null);
    const load = () =>
      api<Realtime>(`/api/apps/${app.id}/realtime`).then(
        (r) => current && setLive(r),
        () => {},
      );
    void load();
    const timer = setInterval(load, 30_000);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [app]);

  const range = rangeOf(preset, custom, Date.now());
  const chooseCustom = () => {
    if (!customRange(...custom)) {
      const r = range ?? rangeOf('30d', custom, Date.now());
      if (r) setCustom([isoDay(r.from), isoDay(r.to - 1)]);
    }
    setPreset('custom');
  };

  const addFilter = (d: string, v: string) => {
    if (!filters.some(([x, y]) => x === d && y === v)) setFilters([...filters, [d, v]]);
  };

  const insights: Insight[] = [];
  if (data && app) {
    const b = data.breakdowns;
    const add = (i: Insight | null) => i && insights.push(i);
    add(top(b.os ?? [], 'os', (v, s) => `Most installs run ${osName(v)} (${s})`));
    add(top(b.appVersion ?? [], 'appVersion', (v, s) => `Version ${v} is the most used (${s})`));
    add(
      top(
        b.runtimeVersion ?? [],
        'runtimeVersion',
        (v, s) => `Node ${v} is the most used Node version (${s})`,
      ),
    );
    add(top(b.locale ?? [], 'locale', (v, s) => `Most people use ${v} (${s})`));
    add(top(b.screen ?? [], 'screen', (v, s) => `The most common screen is ${v} (${s})`));
    const popular = data.pages[0];
    if (popular)
      insights.push({
        text: `The most popular page is ${popular.path} (${count(popular.views)} views)`,
        dimension: 'path',
        value: popular.path,
      });
    const sticky = [...data.pages]
      .filter((p) => p.timeOnPage !== null)
      .sort((x, y) => (y.timeOnPage ?? 0) - (x.timeOnPage ?? 0))[0];
    if (sticky)
      insights.push({
        text: `People spend longest on ${sticky.path} (${duration(sticky.timeOnPage)} on average)`,
        dimension: 'path',
        value: sticky.path,
      });
    insights.push(...undiscovered(app.contract.pages, data.pages, data.overview.visitors));
  }

  const o = data?.overview;
  /** An app with no known pages and no page view in either period: a backend or a CLI. */
  const pageless = !!o && !app?.contract.pages.length && o.views === 0 && o.previous.views === 0;
  return (
    <div class="shell">
      <header class="top">
        <strong class="brand">Tally</strong>
        {shareToken ? (
          <span class="app-name">{app?.name}</span>
        ) : (
          <>
            <label class="sr" for="app">
              App
            </label>
            <select
              id="app"
              value={appId}
              onChange={(e) => setAppId(Number((e.target as HTMLSelectElement).value))}
            >
              {apps.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </>
        )}
        <span class="spacer" />
        {live && <span class="live">{count(live.active)} active now</span>}
        <button
          type="button"
          onClick={() =>
            document.documentElement.setAttribute(
              'data-theme',
              document.documentElement.getAttribute('data-theme') === 'dark' ? 'light' : 'dark',
            )
          }
        >
          Theme
        </button>
        {user && (
          <button
            type="button"
            aria-pressed={view === 'settings'}
            onClick={() => setView(view === 'settings' ? 'stats' : 'settings')}
          >
            Settings
          </button>
        )}
        {user && (
          <button type="button" onClick={() => logout().then(onLogout)}>
            Log out
          </button>
        )}
        {view === 'stats' && (
          <div class="range">
            <nav class="presets" aria-label="Date range">
              {PRESETS.map(([id, label]) => (
                <button type="button" key={id} aria-pressed={preset === id} onClick={() => setPreset(id)}>
                  {label}
                </button>
              ))}
              <button type="button" aria-pressed={preset === 'custom'} onClick={chooseCustom}>
                Custom
              </button>
            </nav>
            {preset === 'custom' && <CustomRange days={custom} onChange={setCustom} />}
          </div>
        )}
      </header>
      {shareToken && <p class="banner">Read-only shared view</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {filters.length > 0 && (
        <div class="filters">
          {filters.map(([d, v]) => (
            <button
              type="button"
              key={`${d}:${v}`}
              class="chip"
              onClick={() => setFilters(filters.filter(([x, y]) => x !== d || y !== v))}
            >
              {d}: {v} ✕
            </button>
          ))}
        </div>
      )}
      {view === 'settings' && (
        <Settings app={app} owner={user?.role === 'owner'} onAppsChanged={(id) => void loadApps(id)} />
      )}
      {view === 'stats' && !data && !error && <p class="muted">Loading…</p>}
      {view === 'stats' && data && o && (
        <main>
          <div class="stats">
            <Card label="Visitors" value={o.visitors} before={o.previous.visitors} format={count} />
            <Card label="Visits" value={o.visits} before={o.previous.visits} format={count} />
            {pageless ? (
              // A backend or CLI: views, bounces and visit durations would only ever read 0, — and 0s
              <Card label="Events" value={o.events} before={o.previous.events} format={count} />
            ) : (
              <>
                <Card label="Views" value={o.views} before={o.previous.views} format={count} />
                <Card
                  label="Bounce rate"
                  value={o.bounceRate}
                  before={o.previous.bounceRate}
                  format={percent}
                />
                <Card
                  label="Visit duration"
                  value={o.visitDuration}
                  before={o.previous.visitDuration}
                  format={duration}
                />
              </>
            )}
          </div>
          <section class="card wide">
            <h2>Visitors per {range && hourly(range) ? 'hour' : 'day'}</h2>
            <Chart series={data.series} />
            {data.series.length > 1 && (
              <div class="axis muted" aria-hidden="true">
                <span>{when(data.series[0]?.t, range)}</span>
                <span>{when(data.series[data.series.length - 1]?.t, range)}</span>
              </div>
            )}
          </section>
          {live && <RealtimeCard live={live} />}
          <section class="card wide insights">
            <h2>Insights</h2>
            <ul>
              {insights.map((i) => (
                <li key={i.text}>
                  <a
                    href={`#breakdown-${i.dimension}`}
                    onClick={(e) => {
                      if (i.value && i.dimension !== 'path') {
                        e.preventDefault();
                        addFilter(i.dimension, i.value);
                      }
                    }}
                  >
                    {i.text}
                  </a>
                </li>
              ))}
            </ul>
          </section>
          <Pages rows={data.pages} onFilter={addFilter} />
          <div class="grid">
            {BREAKDOWNS.filter(([d]) => (data.breakdowns[d] ?? []).length > 0).map(([d, title]) => (
              <Breakdown
                key={d}
                title={title}
                dimension={d}
                rows={data.breakdowns[d] ?? []}
                onFilter={addFilter}
              />
            ))}
            {Object.entries(data.buckets).map(([label, rows]) => (
              <Breakdown
                key={label}
                title={label}
                dimension={`buckets-${label}`}
                rows={rows.map((r) => ({ value: r.bucket, visitors: r.visitors, visits: 0, events: 0 }))}
              />
            ))}
            {data.props
              .filter((p) => p.rows.length > 0)
              .map((p) => (
                <Breakdown
                  key={p.name}
                  title={p.label}
                  dimension={`prop:${p.name}`}
                  rows={p.rows}
                  onFilter={addFilter}
                />
              ))}
          </div>
          <section class="card wide">
            <h2>Errors</h2>
            {data.errors.length === 0 && <p class="muted">No errors in this range</p>}
            {data.errors.length > 0 && (
              <table class="data errors">
                <thead>
                  <tr>
                    <th>Message</th>
                    <th>Count</th>
                    <th>Visitors</th>
                    <th>Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {data.errors.map((e) => (
                    <tr key={e.message}>
                      <td>
                        <code>{e.message}</code>
                      </td>
                      <td>{count(e.count)}</td>
                      <td>{count(e.visitors)}</td>
                      <td>{new Date(e.lastSeen).toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {!shareToken && app && range && (
            <p class="exports">
              Export this range:{' '}
              <a href={`/api/apps/${app.id}/export${query(range, filters)}&format=csv`}>CSV</a> ·{' '}
              <a href={`/api/apps/${app.id}/export${query(range, filters)}&format=parquet`}>Parquet</a>
            </p>
          )}
        </main>
      )}
    </div>
  );
}

function Root() {
  const [state, setState] = useState<'loading' | 'login' | 'ready'>(shareToken ? 'ready' : 'loading');
  const [user, setUser] = useState<{ email: string; role: string } | null>(null);
  const check = () =>
    me().then(
      (u) => {
        setUser(u);
        setState('ready');
      },
      (e) => setState(e instanceof ApiError && e.status === 401 ? 'login' : 'login'),
    );
  useEffect(() => {
    if (!shareToken) void check();
  }, []);
  if (state === 'loading') return <p class="muted">Loading…</p>;
  if (state === 'login') return <Login onDone={check} />;
  return <Dashboard user={user} onLogout={() => setState('login')} />;
}

render(<Root />, document.getElementById('root') as HTMLElement);
