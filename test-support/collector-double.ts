import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'ok' | 'error500' | 'gone410' | 'blackhole';

/**
 * A stand-in collector on 127.0.0.1 for SDK tests that need a collector to misbehave (answer 500,
 * or accept connections and never answer). It counts connections and keeps every body it gets.
 */
export async function collectorDouble(behaviour: Behaviour = 'ok') {
  const bodies: unknown[] = [];
  /** The path of every request, in order. */
  const paths: string[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (state.behaviour === 'blackhole') return; // never answers
      try {
        bodies.push(JSON.parse(text));
      } catch {
        bodies.push(text);
      }
      if (state.behaviour === 'error500') {
        res.writeHead(500).end('{"error":"boom"}');
        return;
      }
      if (state.behaviour === 'gone410') {
        res.writeHead(410).end('{"error":"this app key is retired"}');
        return;
      }
      res.writeHead(204).end(); // as Tally answers a batch whose events were all accepted
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const state = {
    behaviour,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    paths,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return state;
}
