import { createReadStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const TRACKER = join(dirname(createRequire(import.meta.url).resolve('@tally/browser/package.json')), 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** Serves the app's window (static files), the tracker, and where to send usage data. */
export function startDesktop(opts: { port?: number; endpoint: string; key: string }) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ endpoint: opts.endpoint, key: opts.key }));
      return;
    }
    const [base, rel] = path.startsWith('/tally/')
      ? [TRACKER, path.slice(7)]
      : [PUBLIC, extname(path) ? path.slice(1) : 'index.html'];
    const file = normalize(join(base, rel));
    if (!file.startsWith(base.endsWith(sep) ? base : base + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': `${TYPES[extname(file)] ?? 'application/octet-stream'}; charset=utf-8`,
    });
    createReadStream(file).pipe(res);
  });
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) =>
    server.listen(opts.port ?? 0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await startDesktop({
    port: Number(process.env.DESKTOP_PORT ?? 9100),
    endpoint: process.env.TALLY_ENDPOINT ?? 'http://127.0.0.1:8787',
    key: process.env.TALLY_APP_KEY ?? '',
  });
  console.log(`Laserforge is running at ${app.url}`);
}
