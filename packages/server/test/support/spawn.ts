import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PRLIMIT } from '../../../../test-support/system.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Running {
  child: ChildProcess;
  url: string;
}

/**
 * Starts the built `tally serve` as a real process on a free port and waits for its URL. With
 * `maxFileBytes` it runs under prlimit: no file it writes may grow past that (as on a full disk).
 */
export function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
  { maxFileBytes }: { maxFileBytes?: number } = {},
): Promise<Running> {
  const [command, args] =
    maxFileBytes === undefined
      ? [process.execPath, [CLI, 'serve']]
      : // soft limit only: `liftFileLimit` can raise it again, as when disk space is freed
        [PRLIMIT, [`--fsize=${maxFileBytes}:unlimited`, process.execPath, CLI, 'serve']];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      TALLY_DATA_DIR: dataDir,
      TALLY_PORT: '0',
      TALLY_HOST: '127.0.0.1',
      TALLY_ADMIN_EMAIL: 'admin@example.com',
      TALLY_ADMIN_PASSWORD: 'pw-long-enough',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${out}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /running at (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
}

/** Lifts the file size limit of a server started with `maxFileBytes` (prlimit execs the server). */
export function liftFileLimit(child: ChildProcess): void {
  execFileSync(PRLIMIT, [`--pid=${child.pid}`, '--fsize=unlimited:unlimited']);
}

/** kill -9 and wait until the process is gone. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** SIGTERM (a clean shutdown: DuckDB checkpoints) and wait until the process is gone. */
export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Logs in as the env admin and returns a Bearer token. */
export async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'pw-long-enough' }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The app's overview of the last day (and the next hour), as `token` sees it. */
export const overviewOfDay = (url: string, token: string, appId: number) =>
  fetch(`${url}/api/apps/${appId}/overview?from=${Date.now() - 86_400_000}&to=${Date.now() + 3_600_000}`, {
    headers: { authorization: `Bearer ${token}` },
  });

/** Creates an app through the API; its id and ingest key. */
export async function createApp(
  url: string,
  token: string,
  name: string,
): Promise<{ id: number; key: string }> {
  const res = await fetch(`${url}/api/apps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!res.ok) throw new Error(`creating app failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; key: string };
}
