import { checkRole } from '../../auth/index.js';
import type { Services } from '../../services.js';
import { withBackup } from '../../store/duckdb/backup.js';
import { sendDownload } from '../download.js';
import { HttpError } from '../errors.js';
import { idParam } from '../params.js';
import type { RequestContext, Router } from '../router.js';

/** Apps, users, API tokens, share links and erasure. Viewers may read; only owners change. */
export function registerAdminRoutes(router: Router, s: Services): void {
  const appView = (ctx: RequestContext, a: Awaited<ReturnType<Services['apps']['byId']>>) => ({
    id: a.id,
    name: a.name,
    // A share link reads numbers, never the key that lets one send events.
    ...(ctx.principal?.kind === 'share' ? {} : { key: a.key }),
    contract: a.contract,
    retentionDays: a.retentionDays,
    disabled: a.disabled,
    createdAt: a.createdAt,
  });

  router.get('/api/apps', 'user', (ctx) => s.apps.list().map((a) => appView(ctx, a)));
  router.post('/api/apps', 'owner', async (ctx) => {
    const body = await ctx.json<{ name?: unknown; contract?: unknown }>();
    const app = await s.apps.create(body?.name, body?.contract);
    return { id: app.id, key: app.key };
  });
  // A share link's own app, so the read-only dashboard knows what it shows.
  router.get('/api/share', 'public', async (ctx) => {
    if (ctx.principal?.kind !== 'share' || ctx.principal.appId === undefined)
      throw new HttpError(401, 'not a share link');
    return appView(ctx, await s.apps.byId(ctx.principal.appId));
  });
  router.get('/api/apps/:id', 'read', async (ctx) => appView(ctx, await s.apps.byId(idParam(ctx.params.id))));
  router.patch('/api/apps/:id', 'owner', async (ctx) => {
    const body = await ctx.json<Record<string, unknown>>();
    if (typeof body !== 'object' || body === null) throw new HttpError(400, 'body must be an object');
    return appView(ctx, await s.apps.update(idParam(ctx.params.id), body));
  });
  router.delete('/api/apps/:id', 'owner', async (ctx) => {
    const appId = idParam(ctx.params.id);
    await s.apps.byId(appId);
    const deleted = await s.events.deleteApp(appId);
    await s.auth.deleteSharesOf(appId);
    await s.apps.remove(appId);
    return { deleted };
  });
  router.get('/api/apps/:id/rejections', 'read', async (ctx) =>
    s.meta.rejections((await s.apps.byId(idParam(ctx.params.id))).id),
  );
  router.post('/api/apps/:id/erase', 'owner', async (ctx) => {
    const app = await s.apps.byId(idParam(ctx.params.id));
    const body = await ctx.json<{ machine?: unknown }>();
    if (typeof body?.machine !== 'string' || !body.machine || body.machine.length > 128)
      throw new HttpError(400, 'machine must be a machine id');
    return { deleted: await s.events.deleteMachine(app.id, body.machine) };
  });

  router.get('/api/apps/:id/shares', 'owner', async (ctx) =>
    s.auth.shares((await s.apps.byId(idParam(ctx.params.id))).id),
  );
  router.post('/api/apps/:id/shares', 'owner', async (ctx) =>
    s.auth.createShare((await s.apps.byId(idParam(ctx.params.id))).id),
  );
  router.delete('/api/apps/:id/shares/:shareId', 'owner', async (ctx) => {
    await s.auth.deleteShare(idParam(ctx.params.id), idParam(ctx.params.shareId));
    return { ok: true };
  });

  /** Everything, as a DuckDB file that `tally restore` puts in place (see store/duckdb/backup.ts). */
  router.get('/api/backup', 'owner', async ({ res }) => {
    const day = new Date().toISOString().slice(0, 10);
    await withBackup(s.events, s.config.dataDir, (file) =>
      sendDownload(res, file, {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="tally-backup-${day}.duckdb"`,
        'cache-control': 'no-store',
      }),
    );
    return undefined;
  });
  router.get('/api/users', 'owner', () => s.auth.users());
  router.post('/api/users', 'owner', async (ctx) => {
    const body = await ctx.json<{ email?: unknown; password?: unknown; role?: unknown }>();
    const user = await s.auth.createUser(
      body?.email as string,
      body?.password as string,
      checkRole(body?.role ?? 'viewer'),
    );
    return { id: user.id };
  });
  router.delete('/api/users/:id', 'owner', async (ctx) => {
    await s.auth.deleteUser(idParam(ctx.params.id));
    return { ok: true };
  });

  // Owners see every token, others their own.
  const scope = (ctx: RequestContext) =>
    ctx.principal?.role === 'owner' ? null : (ctx.principal?.userId ?? -1);
  router.get('/api/tokens', 'user', (ctx) => s.auth.tokens(scope(ctx)));
  router.post('/api/tokens', 'user', async (ctx) => {
    const body = await ctx.json<{ name?: unknown }>();
    return s.auth.createToken(ctx.principal?.userId as number, body?.name);
  });
  router.delete('/api/tokens/:id', 'user', async (ctx) => {
    await s.auth.deleteToken(idParam(ctx.params.id), scope(ctx));
    return { ok: true };
  });
}
