import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTally, type Tally } from '../src/tally.js';
import { cleanup, serveTally, tempDir } from './support/harness.js';

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

  // Last: it deletes one of the two owners, whichever loses the race
  it('account changes at the same moment keep their rules: one user per email (409, not a 500), never no owner', async () => {
    const auth = { authorization: `Bearer ${await tally.adminToken()}`, 'content-type': 'application/json' };
    const addUser = (email: string, role = 'viewer') =>
      fetch(`${tally.url}/api/users`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ email, password: 'another-long-password', role }),
      });
    const twice = await Promise.all([addUser('same@example.com'), addUser('same@example.com')]);
    expect(twice.map((r) => r.status).sort()).toEqual([200, 409]);
    // Two owners, both deleted at once: one must stay
    const other = (await (await addUser('owner2@example.com', 'owner')).json()) as { id: number };
    const users = (await (await fetch(`${tally.url}/api/users`, { headers: auth })).json()) as Array<{
      id: number;
      role: string;
    }>;
    const owners = users.filter((u) => u.role === 'owner').map((u) => u.id);
    expect(owners).toContain(other.id);
    const deleted = await Promise.all(
      owners.map((id) => fetch(`${tally.url}/api/users/${id}`, { method: 'DELETE', headers: auth })),
    );
    expect(deleted.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await tally.services.auth.users()).filter((u) => u.role === 'owner')).toHaveLength(1);
  });
});

describe('the one-time setup link (no admin in the environment)', () => {
  it('makes the first owner once: a wrong token, a second use, or a second use at the same moment are refused', async () => {
    const dir = tempDir();
    const tally = await startTally({ dataDir: dir, port: 0 });
    try {
      expect(tally.setupUrl).toMatch(/\/setup\/setup_/);
      const token = (tally.setupUrl as string).split('/setup/')[1] as string;
      const setup = (setupToken: string, email: string) =>
        fetch(`${tally.url}/api/auth/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ setupToken, email, password: 'a-long-enough-password' }),
        });
      const status = async () =>
        ((await (await fetch(`${tally.url}/api/auth/setup-status`)).json()) as { needsSetup: boolean })
          .needsSetup;
      expect(await status()).toBe(true);
      expect((await setup(`${token}x`, 'guess@example.com')).status).toBe(403);
      // Two at once with the right token: one owner, not two
      const both = await Promise.all([setup(token, 'first@example.com'), setup(token, 'second@example.com')]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 403]);
      expect(await status()).toBe(false);
      expect((await setup(token, 'third@example.com')).status).toBe(403);
      const users = await tally.services.auth.users();
      expect(users).toHaveLength(1);
      expect(users[0]?.role).toBe('owner');
    } finally {
      await tally.close();
      cleanup(dir);
    }
  });
});
