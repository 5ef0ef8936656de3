import { batchesOf, randomId } from '@tally/contract';

/** The user's choice, kept locally or by the host (an admin keeps it per user on its server). */
export interface Prefs {
  /** The user answered the question (opt-in apps ask once, at first start). */
  answered: boolean;
  optOut: boolean;
  anonymize: boolean;
}

export interface PrefsStore {
  get(): Prefs | null;
  set(prefs: Prefs): void;
}

export interface Options {
  app: string;
  endpoint: string;
  /** opt-in: nothing is sent, and no request made, until the user says yes. Default opt-out. */
  consent?: 'opt-in' | 'opt-out';
  /** Property names that are personal: dropped when the user anonymises. */
  pii?: string[];
  store?: PrefsStore;
  appVersion?: string;
  /** Offline queue bound, in events; the oldest go first. */
  queueMax?: number;
  /** Send page views automatically (on load and on history navigation). Default true. */
  auto?: boolean;
}

type Props = Record<string, string | number | boolean | string[]>;
interface Ev {
  name: string;
  ts: number;
  path?: string;
  duration?: number;
  props?: Props;
}

/** Events sent together, and the id the collector knows the batch by if it comes again. */
interface Batch {
  id: string;
  events: Ev[];
}

export interface Tracker {
  track(name: string, props?: Props): void;
  pageview(path?: string): void;
  setConsent(prefs: Partial<Prefs>): void;
  prefs(): Prefs;
  /** Sends what is queued now (used when coming back online). */
  flush(): void;
}

const localStore = (key: string): PrefsStore => ({
  get: () => {
    try {
      return JSON.parse(localStorage.getItem(key) || 'null');
    } catch {
      return null;
    }
  },
  set: (p) => {
    try {
      localStorage.setItem(key, JSON.stringify(p));
    } catch {}
  },
});

/** A path without query string or fragment: where, never what was searched. */
const clean = (s: string) => s.split(/[?#]/)[0] as string;

export function init(o: Options): Tracker {
  const store = o.store || localStore(`tally:${o.app}`);
  const url = `${o.endpoint.replace(/\/$/, '')}/api/v1/events`;
  const max = o.queueMax || 100;
  const ctx = {
    session: randomId(),
    locale: navigator.language,
    screen: `${screen.width}x${screen.height}`,
    appVersion: o.appVersion?.slice(0, 128), // the collector refuses a whole batch for a longer one
  };
  let queue: Ev[] = [];
  // Batches that failed, with the id they were sent with: sent again as they were, so a batch whose
  // answer was lost (stored after all) is stored once.
  let retry: Batch[] = [];
  let timer = 0;
  let retired = false;
  let path = '';
  let shown = 0; // visible ms on the current path
  let since = 0; // when it last became visible (0: hidden)

  const prefs = (): Prefs => store.get() || { answered: false, optOut: false, anonymize: false };
  const allowed = () => {
    const p = prefs();
    return !retired && !p.optOut && (o.consent !== 'opt-in' || p.answered);
  };

  function send(beacon?: boolean) {
    timer = 0;
    // Offline: keep the queue and try when the browser says it is back (no failing request at all).
    if (!(queue.length || retry.length) || !allowed() || !navigator.onLine) return;
    // Batches the collector takes whole, each small enough for a beacon or keepalive request.
    const batches = retry.concat(batchesOf(queue).map((events) => ({ id: randomId(), events })));
    queue = [];
    retry = [];
    // keepalive lets a request outlive the page, but browsers allow 64 KB of them in flight in all:
    // a lone batch (the usual case) or a page going away uses it, a backlog of several does not.
    for (const batch of batches) post(batch, beacon, beacon || batches.length === 1);
  }

  function post(batch: Batch, beacon?: boolean, keepalive?: boolean) {
    // sentAt: this device's clock now; the collector corrects event times by its distance from its own
    const body = JSON.stringify({
      app: o.app,
      id: batch.id,
      context: ctx,
      sentAt: Date.now(),
      events: batch.events,
    });
    if (beacon && navigator.sendBeacon?.(url, body)) return;
    // text/plain needs no CORS preflight; failures are silent and the batch waits for the next try.
    fetch(url, { method: 'POST', body, keepalive })
      .then((r) => {
        if (r.status === 410) retired = true;
        else if (r.status === 429 || r.status >= 500) requeue(batch);
      })
      .catch(() => requeue(batch));
  }

  function requeue(batch: Batch) {
    retry.push(batch);
    trim();
  }

  /** At most `max` events held in all: the oldest go first (a batch that loses some keeps its id). */
  function trim() {
    while (retry.reduce((n, b) => n + b.events.length, queue.length) > max) {
      const b = retry[0];
      if (!b) queue.shift();
      else if (b.events.shift() && !b.events.length) retry.shift();
    }
  }

  function push(e: Ev) {
    if (!allowed()) return;
    if (prefs().anonymize && e.props) for (const k of o.pii || []) delete e.props[k];
    queue.push(e);
    trim();
    if (!timer) timer = setTimeout(send, 300) as unknown as number;
  }

  function visible() {
    return shown + (since ? Date.now() - since : 0);
  }

  function leave() {
    if (path) push({ name: 'pageleave', ts: Date.now(), path, duration: visible() });
  }

  function pageview(p?: string) {
    const next = clean(p || location.pathname);
    if (next === path) return;
    leave();
    path = next;
    shown = 0;
    since = document.visibilityState === 'visible' ? Date.now() : 0;
    push({ name: 'pageview', ts: Date.now(), path });
  }

  const t: Tracker = {
    track: (name, props) =>
      push({ name, ts: Date.now(), path: path || undefined, props: props && { ...props } }),
    pageview,
    setConsent(p) {
      const was = allowed();
      store.set({ ...prefs(), answered: true, ...p });
      if (!allowed()) {
        queue = [];
        retry = [];
      } else if (!was && o.auto !== false) {
        path = '';
        pageview();
      }
    },
    prefs,
    flush: () => send(),
  };

  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') since = Date.now();
    else {
      shown = visible();
      since = 0;
      send(true);
    }
  });
  addEventListener('pagehide', () => {
    leave();
    path = '';
    send(true);
  });
  addEventListener('online', () => send());
  addEventListener('error', (e) =>
    t.track('error', { message: String(e.message).slice(0, 500), source: clean(e.filename || '') }),
  );
  addEventListener('unhandledrejection', (e) =>
    t.track('error', {
      message: String(e.reason?.message || e.reason).slice(0, 500),
      source: clean(location.pathname),
    }),
  );
  if (o.auto !== false) {
    for (const m of ['pushState', 'replaceState'] as const) {
      const orig = history[m];
      history[m] = function (this: History, ...a: Parameters<History['pushState']>) {
        orig.apply(this, a);
        pageview();
      };
    }
    addEventListener('popstate', () => pageview());
    pageview();
  }
  return t;
}
