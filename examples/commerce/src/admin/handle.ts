import { createReadStream, existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store.js';
import { type Preferences, readPreferences, writePreferences } from './preferences.js';

const STATIC = fileURLToPath(new URL('../../admin/', import.meta.url));
const TRACKER = join(dirname(createRequire(import.meta.url).resolve('@tally/browser/package.json')), 'dist');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

export interface AdminContext {
  store: Store;
  projectDir: string;
  env: NodeJS.ProcessEnv;
}

function file(res: ServerResponse, path: string): void {
  res.writeHead(200, {
    'content-type': `${TYPES[extname(path)] ?? 'application/octet-stream'}; charset=utf-8`,
  });
  createReadStream(path).pipe(res);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const inside = (base: string, path: string) =>
  normalize(path).startsWith(base.endsWith(sep) ? base : base + sep);

/**
 * The admin UI and its API. Admin analytics is a feature flag (ACME_FF_ANALYTICS, on by default):
 * when off, the page is told so and never loads the tracker, and the tracker files are not served.
 */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AdminContext,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const analytics = ctx.env.ACME_FF_ANALYTICS !== 'false';
  const user = ctx.store.data.users[0] as { id: string; email: string };
  if (path === '/admin/config.json') {
    json(res, 200, {
      analytics,
      ...(analytics
        ? {
            endpoint: ctx.env.ACME_TELEMETRY_ENDPOINT ?? 'https://telemetry.acme.example',
            key: ctx.env.ACME_ADMIN_ANALYTICS_KEY ?? '',
          }
        : {}),
      user,
      store: {
        name: ctx.store.data.name,
        ...ctx.store.counts(),
        regionNames: ctx.store.regionNames(),
        currencies: ctx.store.currencies(),
      },
    });
    return true;
  }
  if (path === '/admin/api/preferences') {
    if (req.method === 'PUT') {
      let body = '';
      for await (const chunk of req) body += chunk;
      let prefs: Preferences;
      try {
        const p = JSON.parse(body);
        prefs = { answered: true, optOut: p.optOut === true, anonymize: p.anonymize === true };
      } catch {
        json(res, 400, { error: 'preferences must be JSON' });
        return true;
      }
      writePreferences(ctx.projectDir, user.id, prefs);
      json(res, 200, prefs);
    } else json(res, 200, readPreferences(ctx.projectDir, user.id));
    return true;
  }
  if (path.startsWith('/admin/tally/')) {
    const f = join(TRACKER, path.slice('/admin/tally/'.length));
    if (!analytics || !inside(TRACKER, f) || !existsSync(f)) return false;
    file(res, f);
    return true;
  }
  const asset = join(STATIC, path.slice('/admin/'.length));
  if (extname(path) && inside(STATIC, asset) && existsSync(asset)) {
    file(res, asset);
    return true;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(readFileSync(join(STATIC, 'index.html')));
  return true;
}
