import type { ServerResponse } from 'node:http';

/** What `/` shows when the dashboard package is not built: where things are, not a blank 404. */
export function sendLanding(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    // its one inline <style>, and nothing else
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Tally</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:.25rem}h1{font-size:1.6rem}</style></head>
<body><h1>Tally is running</h1>
<p>The dashboard is not built on this server (<code>npm run build</code> builds <code>@tally/dashboard</code> when it is present).
The collector and the query API are available:</p>
<ul>
<li><code>POST /api/v1/events</code> — ingest (see the README)</li>
<li><code>POST /api/auth/login</code>, then <code>GET /api/apps</code> and <code>GET /api/apps/:id/overview</code>, <code>/pages</code>, <code>/breakdown/:dimension</code>, <code>/timeseries</code>, <code>/realtime</code>, <code>/errors</code>, <code>/export</code></li>
</ul></body></html>`);
}
