import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminEmail?: string;
  adminPassword?: string;
  /** Proxies of yours in front of Tally (0: none): the client address is that many hops from the
   * right of X-Forwarded-For, where no client can write it. */
  trustProxy: number;
  /** Oldest event timestamp accepted, in days before now. */
  acceptDays: number;
  /** Largest ingest body in bytes. */
  maxBody: number;
  /** Requests a second per client address, and per app key, before 429. */
  ratePerAddress: number;
  ratePerApp: number;
  /** Create the demo apps and data when the store is empty. */
  demo: boolean;
  /** Public URL of the server (for setup and share links). */
  publicUrl?: string;
  /** Page views in a range above which the pages table is estimated from a sample of visitors; 0: never. */
  sampleAbove: number;
  /** DuckDB threads (default: cores + 1): one calls, the others execute queries. */
  dbThreads?: number;
  /** The most memory DuckDB may use, such as `512MB` (default: DuckDB's, 80% of the machine's). */
  dbMemory?: string;
}

/** A size DuckDB reads as a memory limit. */
const MEMORY_SIZE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export type ConfigInput = Partial<Omit<Config, 'trustProxy'>> & { trustProxy?: number | boolean };

/**
 * A whole number from a TALLY_* variable: `fallback` when unset or empty; anything else that is not
 * a whole number of at least `min` stops the start with a message naming the variable (a typo in
 * TALLY_TRUST_PROXY, read as "no proxy", would put every client behind one address's rate limit).
 */
function whole(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  const v = env[name]?.trim();
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new Error(
      `${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, not "${env[name]}"`,
    );
  return n;
}

/** Configuration from TALLY_* environment variables, overridden by explicit options. */
export function loadConfig(input: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: input.port ?? whole(env, 'TALLY_PORT', 8787, 0, 65_535),
    host: input.host ?? env.TALLY_HOST ?? '127.0.0.1',
    dataDir: resolve(input.dataDir ?? env.TALLY_DATA_DIR ?? './.tally'),
    adminEmail: input.adminEmail ?? env.TALLY_ADMIN_EMAIL,
    adminPassword: input.adminPassword ?? env.TALLY_ADMIN_PASSWORD,
    trustProxy: Number(input.trustProxy ?? whole(env, 'TALLY_TRUST_PROXY', 0, 0)),
    acceptDays: input.acceptDays ?? whole(env, 'TALLY_ACCEPT_DAYS', 7, 1),
    maxBody: input.maxBody ?? whole(env, 'TALLY_MAX_BODY', 1 << 20, 1),
    ratePerAddress: input.ratePerAddress ?? whole(env, 'TALLY_RATE_PER_ADDRESS', 200, 1),
    ratePerApp: input.ratePerApp ?? whole(env, 'TALLY_RATE_PER_APP', 5000, 1),
    demo: input.demo ?? env.TALLY_DEMO === '1',
    // without a trailing slash: links are this plus a path (a '//' would start a host name)
    publicUrl: (input.publicUrl ?? env.TALLY_PUBLIC_URL)?.replace(/\/+$/, '') || undefined,
    sampleAbove: input.sampleAbove ?? whole(env, 'TALLY_SAMPLE_ABOVE', 1_500_000, 0),
    dbThreads: input.dbThreads ?? (whole(env, 'TALLY_DB_THREADS', 0, 1) || undefined),
    dbMemory: memorySize(input.dbMemory ?? env.TALLY_DB_MEMORY),
  };
}

/** The memory limit as given, checked here so that a typo stops the start with a clear message. */
function memorySize(v: string | undefined): string | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  if (!MEMORY_SIZE.test(v.trim()))
    throw new Error(`TALLY_DB_MEMORY must be a size such as 512MB or 2GB, not "${v}"`);
  return v.trim();
}
