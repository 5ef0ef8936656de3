import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimiter } from '../ingest/rate-limit.js';
import type { Role } from '../store/types.js';
import { errorAnswer, jsonAnswer, writeAnswer } from './answer.js';
import { parseJson, readBody } from './body.js';
import { HttpError } from './errors.js';

/** Who is asking: a logged-in user (cookie), an API token, or a public share link of one app. */
export interface Principal {
  kind: 'session' | 'token' | 'share';
  role: Role;
  userId?: number;
  email?: string;
  /** Share links only: the one app they may read. */
  appId?: number;
  /** Sessions only: the token state-changing requests must echo in X-CSRF-Token. */
  csrf?: string;
}

export interface Authenticator {
  principal(req: IncomingMessage): Promise<Principal | null>;
}

/** open: anyone, credentials never looked at (ingest: the app key is the credential); public: anyone,
 * the principal resolved if there is one; read: users, tokens and a share link of the route's app
 * (GET only); user: any user or token; owner: owners only. */
export type Access = 'open' | 'public' | 'read' | 'user' | 'owner';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  principal: Principal | null;
  /** The JSON body (limit 1 MiB unless the route says otherwise). */
  json<T = unknown>(limit?: number): Promise<T>;
}

/** A handler returns the JSON to send (status 200), or undefined when it answered itself. */
export type Handler = (ctx: RequestContext) => Promise<unknown> | unknown;

interface Route {
  method: string;
  parts: string[];
  access: Access;
  handler: Handler;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** On every answer: no other site may frame Tally, and no referrer leaves it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  writeAnswer(res, jsonAnswer(status, body, headers));
}

/** Answers a failed request: an HttpError with its status and message, anything else 500. */
export function sendError(res: ServerResponse, err: unknown, headers?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeAnswer(res, errorAnswer(err, headers));
}

export class Router {
  private readonly routes: Route[] = [];
  /** Routes without parameters by "METHOD /path": one lookup for most requests (ingest above all);
   * such a path is never also matched by a parameter route (none is: `/api/apps/:id` vs `/api/apps`). */
  private readonly fixed = new Map<string, Route>();

  /**
   * `shareReads`: a share link is public (whoever has the URL), and each of its reads is a query:
   * its requests are limited per app (see tally.ts), so a leaked link cannot keep DuckDB busy.
   */
  constructor(
    private readonly auth: Authenticator,
    private readonly shareReads?: RateLimiter,
  ) {}

  add(method: string, pattern: string, access: Access, handler: Handler): this {
    const route = { method, parts: pattern.split('/').filter(Boolean), access, handler };
    this.routes.push(route);
    const key = `${method} /${route.parts.join('/')}`;
    if (!pattern.includes(':') && !this.fixed.has(key)) this.fixed.set(key, route);
    return this;
  }

  get(pattern: string, access: Access, handler: Handler) {
    return this.add('GET', pattern, access, handler);
  }
  post(pattern: string, access: Access, handler: Handler) {
    return this.add('POST', pattern, access, handler);
  }
  patch(pattern: string, access: Access, handler: Handler) {
    return this.add('PATCH', pattern, access, handler);
  }
  delete(pattern: string, access: Access, handler: Handler) {
    return this.add('DELETE', pattern, access, handler);
  }

  private match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | 'method' | null {
    const fixed = this.fixed.get(`${method} ${path}`);
    if (fixed) return { route: fixed, params: {} };
    const parts = path.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const route of this.routes) {
      if (route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const want = route.parts[i] as string;
        const got = parts[i] as string;
        if (want.startsWith(':')) {
          try {
            params[want.slice(1)] = decodeURIComponent(got);
          } catch {
            ok = false;
          }
        } else ok = want === got;
      }
      if (!ok) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        methodMismatch = true;
        continue;
      }
      return { route, params };
    }
    return methodMismatch ? 'method' : null;
  }

  /** Handles the request if a route matches; returns false when none does (e.g. a static file). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const found = this.match(req.method ?? 'GET', url.pathname);
    if (found === null) return false;
    try {
      if (found === 'method') throw new HttpError(405, `${req.method} is not allowed here`);
      const { route, params } = found;
      const principal =
        route.access === 'open'
          ? null
          : route.access === 'public'
            ? await this.auth.principal(req).catch(() => null)
            : await this.auth.principal(req);
      this.authorize(route, req, params, principal);
      const ctx: RequestContext = {
        req,
        res,
        url,
        params,
        principal,
        json: async <T>(limit = 1 << 20) => parseJson(await readBody(req, limit)) as T,
      };
      const result = await route.handler(ctx);
      if (!res.headersSent && result !== undefined) sendJson(res, 200, result);
    } catch (err) {
      sendError(res, err);
    }
    return true;
  }

  private authorize(
    route: Route,
    req: IncomingMessage,
    params: Record<string, string>,
    p: Principal | null,
  ): void {
    if (route.access === 'open' || route.access === 'public') return;
    if (!p) throw new HttpError(401, 'login required');
    if (p.kind === 'share') {
      const sameApp = route.access === 'read' && req.method === 'GET' && Number(params.id) === p.appId;
      if (!sameApp) throw new HttpError(403, 'a share link can only read its own app');
      const wait = this.shareReads?.take(String(p.appId)) ?? 0;
      if (wait)
        throw new HttpError(429, 'too many requests through share links', { 'retry-after': String(wait) });
      return;
    }
    if (route.access === 'owner' && p.role !== 'owner') throw new HttpError(403, 'owners only');
    if (p.kind === 'session' && STATE_CHANGING.has(req.method ?? '')) {
      if (!p.csrf || req.headers['x-csrf-token'] !== p.csrf)
        throw new HttpError(403, 'missing or wrong CSRF token');
    }
  }
}
