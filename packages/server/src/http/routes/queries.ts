import { rm } from 'node:fs/promises';
import { breakdown, buckets } from '../../queries/breakdown.js';
import { errors } from '../../queries/errors.js';
import { exportEvents } from '../../queries/export.js';
import { overview } from '../../queries/overview.js';
import { pages } from '../../queries/pages.js';
import { realtime } from '../../queries/realtime.js';
import { parseScope } from '../../queries/scope.js';
import { timeseries } from '../../queries/timeseries.js';
import type { Services } from '../../services.js';
import { sendDownload } from '../download.js';
import { idParam } from '../params.js';
import type { RequestContext, Router } from '../router.js';

/** The query API of API.md: every route reads one app's events in a range. */
export function registerQueryRoutes(router: Router, s: Services): void {
  const scoped = async ({ params, url }: RequestContext) => {
    const app = await s.apps.byId(idParam(params.id));
    return { app, scope: parseScope(app.id, url.searchParams) };
  };
  const limit = (url: URL) => Math.min(1000, Math.max(1, Number(url.searchParams.get('limit')) || 100));

  router.get('/api/apps/:id/overview', 'read', async (ctx) => {
    const { app, scope } = await scoped(ctx);
    return overview(s.events, scope, app.contract);
  });
  router.get('/api/apps/:id/timeseries', 'read', async (ctx) => {
    const { app, scope } = await scoped(ctx);
    return timeseries(s.events, scope, app.contract, ctx.url.searchParams.get('interval') ?? 'day');
  });
  router.get('/api/apps/:id/pages', 'read', async (ctx) => {
    const { app, scope } = await scoped(ctx);
    return pages(s.events, scope, app.contract, limit(ctx.url), s.config.sampleAbove);
  });
  router.get('/api/apps/:id/breakdown/:dimension', 'read', async (ctx) => {
    const { app, scope } = await scoped(ctx);
    const dim = ctx.params.dimension as string;
    if (ctx.url.searchParams.get('buckets') === '1') return buckets(s.events, scope, app.contract, dim);
    return breakdown(s.events, scope, app.contract, dim, limit(ctx.url));
  });
  router.get('/api/apps/:id/realtime', 'read', async ({ params }) => {
    const app = await s.apps.byId(idParam(params.id));
    return realtime(s.events, app.id);
  });
  router.get('/api/apps/:id/errors', 'read', async (ctx) => {
    const { app, scope } = await scoped(ctx);
    return errors(s.events, scope, app.contract, limit(ctx.url));
  });
  router.get('/api/apps/:id/export', 'user', async (ctx) => {
    const { app, scope } = await scoped(ctx);
    const format = ctx.url.searchParams.get('format') ?? 'csv';
    const file = await exportEvents(s.events, scope, app.contract, format);
    const name = `${app.name.replace(/[^a-zA-Z0-9_-]/g, '_')}-events.${format}`;
    try {
      await sendDownload(ctx.res, file, {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
        'content-disposition': `attachment; filename="${name}"`,
      });
    } finally {
      await rm(file, { force: true });
    }
    return undefined;
  });
}
