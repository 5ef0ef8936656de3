import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tally } from '../src/index.js';
import { serveTally } from './support/harness.js';

/**
 * The dashboard's files keep their names across versions, so the browser must revalidate them:
 * after an upgrade it gets the new dashboard, and until then a cheap 304.
 */
describe('the dashboard’s files', () => {
  let tally: Tally;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ tally, stop } = await serveTally());
  });
  afterAll(() => stop());

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

describe('the dashboard’s pages', () => {
  it('carry a Content-Security-Policy: only their own script and style, framed by no one', async () => {
    const { tally, stop } = await serveTally();
    try {
      for (const path of ['/', '/apps/1/pages']) {
        const csp = (await fetch(`${tally.url}${path}`)).headers.get('content-security-policy') ?? '';
        for (const rule of [
          "script-src 'self'",
          "style-src 'self'",
          "frame-ancestors 'none'",
          "object-src 'none'",
        ])
          expect(csp, path).toContain(rule);
      }
      // a script is no page: no policy needed on it
      expect((await fetch(`${tally.url}/assets/main.js`)).headers.get('content-security-policy')).toBeNull();
    } finally {
      await stop();
    }
  });
});

/** The security headers go out with every kind of answer: files, JSON, errors, the preflight, an export. */
describe('every kind of answer', () => {
  let tally: Tally;
  let stop: () => Promise<void>;
  let key: string;
  let appId: number;
  let token: string;
  beforeAll(async () => {
    ({ tally, stop } = await serveTally());
    ({ key, id: appId } = await tally.createApp({ name: 'headers' }));
    token = await tally.adminToken();
  });
  afterAll(() => stop());

  const ingest = (body: string, path = '/api/v1/events') =>
    fetch(`${tally.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  const answers: Array<[string, () => Promise<Response>, number]> = [
    ['a dashboard file', () => fetch(`${tally.url}/assets/main.js`), 200],
    ['an API answer', () => fetch(`${tally.url}/api/health`), 200],
    ['an unknown API path', () => fetch(`${tally.url}/api/nothing-here`), 404],
    ['a read without login', () => fetch(`${tally.url}/api/apps`), 401],
    [
      'a login (its cookie set ahead)',
      () =>
        fetch(`${tally.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'a@example.com', password: 'pw-long-enough' }),
        }),
      200,
    ],
    [
      'an accepted batch',
      () => ingest(JSON.stringify({ app: key, events: [{ name: 'pageview', path: '/' }] })),
      204,
    ],
    [
      'a batch with a rejected event',
      () => ingest(JSON.stringify({ app: key, events: [{ name: 'pageview', path: '/' }, { name: 'nope' }] })),
      200,
    ],
    ['a malformed batch', () => ingest('{"app":'), 400],
    [
      'a batch at the path with a trailing slash (the router’s way, not the direct one)',
      () =>
        ingest(JSON.stringify({ app: key, events: [{ name: 'pageview', path: '/' }] }), '/api/v1/events/'),
      204,
    ],
    ['the preflight', () => fetch(`${tally.url}/api/v1/events`, { method: 'OPTIONS' }), 204],
    [
      'an export',
      () =>
        fetch(`${tally.url}/api/apps/${appId}/export?format=csv`, {
          headers: { authorization: `Bearer ${token}` },
        }),
      200,
    ],
  ];
  it.each(answers)('%s is never framed and sends no referrer', async (_what, send, status) => {
    const res = await send();
    await res.arrayBuffer();
    expect(res.status).toBe(status);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('a batch’s answer can be read by the page that sent it, an error’s too', async () => {
    const bodies = [
      JSON.stringify({ app: key, events: [{ name: 'pageview', path: '/' }] }),
      JSON.stringify({ app: key, events: [{ name: 'nope' }] }),
      JSON.stringify({ app: key, events: [] }),
      '{"app":',
      JSON.stringify({ app: 'nope' }),
    ];
    // The direct way in and the router's (see registerIngestRoutes)
    for (const path of ['/api/v1/events', '/api/v1/events/', `/api/v1/events?app=${key}`])
      for (const body of bodies) {
        const res = await ingest(body, path);
        await res.arrayBuffer();
        expect(res.status, `${path} ${body}`).toBeLessThan(500);
        expect(res.headers.get('access-control-allow-origin'), `${path} ${body}`).toBe('*');
        expect(res.headers.get('x-frame-options'), `${path} ${body}`).toBe('DENY');
      }
  });
});
