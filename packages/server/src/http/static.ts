import { createReadStream, existsSync, type Stats, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Where a workspace package's built files are, or null if it is not installed/built. */
export function packageDist(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve(`${name}/package.json`)), 'dist');
    return existsSync(dir) ? dir : null;
  } catch {
    return null;
  }
}

/** The dashboard's files keep their names from one version to the next: a browser must ask (a 304
 * when unchanged), or it would run an old dashboard against a newer server. */
const REVALIDATE = { 'cache-control': 'no-cache' };

/**
 * The dashboard's pages run only its own script and style, talk only to this server and are framed
 * by no one: an injected `<script>` or inline handler would not run, whatever got into a page.
 * (Preact sets `style` through the DOM, which a policy does not block; no inline script is used.)
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Sends `file` if it is one, with a validator (size and modification time), answering 304 when the
 * browser has that version already; false when there is no such file.
 */
function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  extra: Record<string, string>,
): boolean {
  let st: Stats;
  try {
    st = statSync(file);
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  const etag = `W/"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const headers = {
    'content-type': type,
    ...extra,
    etag,
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html') ? { 'content-security-policy': DASHBOARD_CSP } : {}),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
  } else {
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    // pipeline, not pipe: a client that leaves mid-way closes the file too (see download.ts)
    else void pipeline(createReadStream(file), res).catch(() => {});
  }
  return true;
}

/** Serves the tracker at /tally.js and the dashboard's static files, with index.html for app routes. */
export function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  dirs: { dashboard: string | null; tracker: string | null },
): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url.pathname === '/tally.js' && dirs.tracker)
    return sendFile(req, res, join(dirs.tracker, 'tally.js'), {
      'cache-control': 'public, max-age=3600',
      'access-control-allow-origin': '*',
    });
  if (!dirs.dashboard || url.pathname.startsWith('/api/')) return false;
  let path: string;
  try {
    path = normalize(join(dirs.dashboard, decodeURIComponent(url.pathname)));
  } catch {
    return false;
  }
  if (!path.startsWith(dirs.dashboard + sep) && path !== dirs.dashboard) return false;
  if (sendFile(req, res, path, REVALIDATE)) return true;
  return !extname(url.pathname) && sendFile(req, res, join(dirs.dashboard, 'index.html'), REVALIDATE);
}
