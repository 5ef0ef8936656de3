import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';

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

/**
 * Sends a file with a validator (size and modification time), answering 304 when the browser has
 * that version already: files served `no-cache` cost a short revalidation, never a stale copy.
 */
function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cache: string): void {
  const st = statSync(file);
  const etag = `W/"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
  const headers = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': cache,
    etag,
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** Serves the tracker at /tally.js and the dashboard's static files, with index.html for app routes. */
export function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  dirs: { dashboard: string | null; tracker: string | null },
): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url.pathname === '/tally.js' && dirs.tracker) {
    const file = join(dirs.tracker, 'tally.js');
    if (!existsSync(file)) return false;
    res.setHeader('access-control-allow-origin', '*');
    sendFile(req, res, file, 'public, max-age=3600');
    return true;
  }
  if (!dirs.dashboard || url.pathname.startsWith('/api/')) return false;
  let path: string;
  try {
    path = normalize(join(dirs.dashboard, decodeURIComponent(url.pathname)));
  } catch {
    return false;
  }
  if (!path.startsWith(dirs.dashboard + sep) && path !== dirs.dashboard) return false;
  if (existsSync(path) && statSync(path).isFile()) {
    // The dashboard's files keep their names from one version to the next: a browser must ask
    // (a 304 when unchanged), or it would run an old dashboard against a newer server.
    sendFile(req, res, path, 'no-cache');
    return true;
  }
  const index = join(dirs.dashboard, 'index.html');
  if (!extname(url.pathname) && existsSync(index)) {
    sendFile(req, res, index, 'no-cache');
    return true;
  }
  return false;
}
