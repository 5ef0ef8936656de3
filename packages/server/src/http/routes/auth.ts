import { SESSION_COOKIE, type User } from '../../auth/index.js';
import { LoginLimit } from '../../auth/login-limit.js';
import type { Services } from '../../services.js';
import { clientAddress, limitKey } from '../client.js';
import { HttpError } from '../errors.js';
import type { RequestContext, Router } from '../router.js';

/** Login, logout, who am I, and the first-run setup link. */
export function registerAuthRoutes(router: Router, s: Services): void {
  const limit = new LoginLimit();
  const secure = s.config.publicUrl?.startsWith('https:') ? '; Secure' : '';

  /** Sets the session cookie; the same token also works as `Authorization: Bearer` for scripts. */
  const logIn = async ({ res }: RequestContext, user: User) => {
    const { token, csrf } = await s.auth.startSession(user.id);
    res.setHeader(
      'set-cookie',
      `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${30 * 86400}${secure}`,
    );
    return { token, csrf, user: { id: user.id, email: user.email, role: user.role } };
  };

  router.post('/api/auth/login', 'public', async (ctx) => {
    const body = await ctx.json<{ email?: unknown; password?: unknown }>();
    if (typeof body?.email !== 'string' || typeof body.password !== 'string')
      throw new HttpError(400, 'email and password are required');
    const keys = [
      `a:${limitKey(clientAddress(ctx.req, s.config.trustProxy))}`,
      `e:${body.email.trim().toLowerCase()}`,
    ];
    const wait = limit.retryAfter(keys);
    if (wait)
      throw new HttpError(429, 'too many failed logins: try again later', { 'retry-after': String(wait) });
    const user = await s.auth.verify(body.email, body.password);
    if (!user) {
      limit.fail(keys);
      throw new HttpError(401, 'wrong email or password');
    }
    limit.succeed(keys);
    return logIn(ctx, user);
  });

  router.post('/api/auth/logout', 'user', async ({ req, res }) => {
    const token =
      /(?:^|;\s*)tally_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ??
      req.headers.authorization?.slice(7);
    if (token) await s.auth.endSession(token);
    res.setHeader('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0${secure}`);
    return { ok: true };
  });

  router.get('/api/auth/me', 'user', ({ principal }) => ({
    user: { id: principal?.userId, email: principal?.email, role: principal?.role },
    csrf: principal?.csrf ?? null,
  }));

  router.get('/api/auth/setup-status', 'public', async () => ({ needsSetup: await s.auth.needsSetup() }));

  router.post('/api/auth/setup', 'public', async (ctx) => {
    const body = await ctx.json<{ setupToken?: unknown; email?: unknown; password?: unknown }>();
    const user = await s.auth.setup(body?.setupToken, body?.email, body?.password);
    return logIn(ctx, user);
  });
}
