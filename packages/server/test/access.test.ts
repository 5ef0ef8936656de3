import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tally } from '../src/tally.js';
import { serveTally } from './support/harness.js';

describe('sessions: HttpOnly SameSite cookies, and CSRF tokens on every state change', () => {
  let tally: Tally;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ tally, stop } = await serveTally());
  });
  afterAll(() => stop());

  const login = async () => {
    const res = await fetch(`${tally.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com', password: 'pw-long-enough' }),
    });
    const { token, csrf } = (await res.json()) as { token: string; csrf: string };
    return { setCookie: res.headers.get('set-cookie') ?? '', cookie: `tally_session=${token}`, csrf };
  };
  const appNames = async () =>
    (
      (await (
        await fetch(`${tally.url}/api/apps`, {
          headers: { authorization: `Bearer ${await tally.adminToken()}` },
        })
      ).json()) as Array<{ name: string }>
    ).map((a) => a.name);
  const createApp = (headers: Record<string, string>, name: string) =>
    fetch(`${tally.url}/api/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name }),
    });

  it('the session cookie is HttpOnly, SameSite=Lax and for the whole site', async () => {
    const { setCookie } = await login();
    expect(setCookie).toMatch(/^tally_session=[^;]+;/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
  });

  it('a state change with the cookie and no CSRF token, or a wrong one, is refused and changes nothing', async () => {
    const { cookie, csrf } = await login();
    for (const headers of [
      { cookie },
      { cookie, 'x-csrf-token': 'csrf_wrong' },
      { cookie, 'x-csrf-token': '' },
    ]) {
      const res = await createApp(headers, 'forged');
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain('CSRF');
    }
    expect(await appNames()).not.toContain('forged');
    // The token from the login (the dashboard also reads it from /api/auth/me) lets the change through
    const me = (await (await fetch(`${tally.url}/api/auth/me`, { headers: { cookie } })).json()) as {
      csrf: string;
    };
    expect(me.csrf).toBe(csrf);
    expect((await createApp({ cookie, 'x-csrf-token': csrf }, 'with-token')).status).toBe(200);
    expect(await appNames()).toContain('with-token');
    // Reads need no token
    expect((await fetch(`${tally.url}/api/apps`, { headers: { cookie } })).status).toBe(200);
  });

  it('another session’s CSRF token does not pass', async () => {
    const one = await login();
    const two = await login();
    expect((await createApp({ cookie: one.cookie, 'x-csrf-token': two.csrf }, 'crossed')).status).toBe(403);
    expect(await appNames()).not.toContain('crossed');
  });

  it('an API token (Authorization: Bearer, which a page on another site cannot send) needs no CSRF token', async () => {
    expect(
      (await createApp({ authorization: `Bearer ${await tally.adminToken()}` }, 'scripted')).status,
    ).toBe(200);
  });

  it('after logout the cookie opens nothing', async () => {
    const { cookie, csrf } = await login();
    const out = await fetch(`${tally.url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${tally.url}/api/apps`, { headers: { cookie } })).status).toBe(401);
  });
});
