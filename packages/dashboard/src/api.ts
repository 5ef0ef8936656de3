/** A property as the API gives it in an app's contract. */
export interface PropSpec {
  type: string;
  description: string;
  privacy?: 'anonymous' | 'pii' | 'identifier';
}

export interface App {
  id: number;
  name: string;
  key?: string;
  retentionDays?: number | null;
  /** Refusing events (410): its SDKs stop sending. */
  disabled?: boolean;
  contract: {
    pages: string[];
    events: Record<
      string,
      {
        props?: Record<string, PropSpec>;
      }
    >;
  };
}

// The API's answer types, from the server's query modules (type-only: nothing of the server is bundled).
export type { Figures } from '../../server/src/queries/overview.js';
export type { PageRow } from '../../server/src/queries/pages.js';

export interface BreakdownRow {
  value: string;
  visitors: number;
  visits: number;
  events: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
/** A share link's token: read-only access to one app, without logging in. */
export const shareToken = location.pathname.startsWith('/share/') ? location.pathname.slice(7) : null;

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (csrf) headers['x-csrf-token'] = csrf;
  if (shareToken) headers['x-tally-share'] = shareToken;
  const res = await fetch(path, {
    // A share link shows what its recipients see, even to someone logged in on this server.
    ...(shareToken ? { credentials: 'omit' as const } : {}),
    ...init,
    headers: { ...headers, ...(init.headers as Record<string, string>) },
  });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiError(res.status, body?.error ?? res.statusText);
  return body as T;
}

export async function login(email: string, password: string) {
  const r = await api<{ csrf: string; user: { email: string; role: string } }>('/api/auth/login', {
    method: 'POST',
    body: JSON.stringify({ email, password }),
  });
  csrf = r.csrf;
  return r.user;
}

export async function me() {
  const r = await api<{ csrf: string; user: { email: string; role: string } }>('/api/auth/me');
  csrf = r.csrf;
  return r.user;
}

export const logout = () => api('/api/auth/logout', { method: 'POST' });

/** Query string of a range and filters, as every query route takes them. */
export function query(
  range: { from: number; to: number },
  filters: Array<[string, string]>,
  extra = '',
): string {
  const q = new URLSearchParams({
    from: String(range.from),
    to: String(range.to),
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  for (const [d, v] of filters) q.append('filter', `${d}:${v}`);
  return `?${q}${extra}`;
}
