import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../../../test-support/wait.js';

export { eventually };

export const ACME = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../../../test-support/trace-preload.mjs', import.meta.url));

export const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
export const remove = (...dirs: string[]) => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
};

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Child processes spawned and sockets connected by the CLI, as the preload saw them. */
  trace: string[];
  /** From SIGTERM to exit (long-running commands only). */
  stopMs: number;
}

/**
 * Runs the acme CLI as a real process in `project` with `home` as HOME. Long-running commands
 * (`start`) are stopped with SIGTERM once `until` resolves (default: shortly after they listen).
 */
export async function acme(
  args: string[],
  o: {
    home: string;
    project: string;
    endpoint: string;
    key?: string;
    env?: Record<string, string>;
    until?: () => Promise<unknown>;
  },
): Promise<Run> {
  const traceDir = temp('acme-trace-');
  const traceFile = join(traceDir, 'trace.log');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(DO_NOT_TRACK|ACME_|NODE_OPTIONS)/.test(k)) env[k] = v;
  Object.assign(env, {
    HOME: o.home,
    XDG_CONFIG_HOME: '',
    ACME_TELEMETRY_ENDPOINT: o.endpoint,
    ACME_TELEMETRY_KEY: o.key ?? 'tk_test',
    ACME_PORT: '0',
    TALLY_TRACE_FILE: traceFile,
    ...o.env,
  });
  const child = spawn(process.execPath, ['--import', PRELOAD, ACME, ...args], {
    cwd: o.project,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let stopMs = 0;
  if (args[0] === 'start') {
    await eventually(() => stdout.includes('listening') || child.exitCode !== null, 20_000, 20);
    await (o.until ? o.until() : sleep(1500));
    const t = Date.now();
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(kill);
    stopMs = Date.now() - t;
  }
  const code = await exited;
  const trace = existsSync(traceFile) ? readFileSync(traceFile, 'utf8').split('\n').filter(Boolean) : [];
  remove(traceDir);
  return { code, stdout, stderr, trace, stopMs };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a detached sender (started by an earlier run) is still at work on this spool. */
export function senderRunning(spoolDir: string): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(join(spoolDir, 'sender.state'), 'utf8')) as { pid?: number };
    if (pid === undefined) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The batches waiting in a spool (claimed by a sender or not); not the sender's state file. */
export const batchesIn = (spoolDir: string) => filesUnder(spoolDir).filter((f) => /\.json(\.\d+)?$/.test(f));

/**
 * A directory nobody may write to, the CLI's user included. Permissions stop everyone but root; as
 * root (CI) it is a read-only tmpfs mount, as in a container with a read-only file system, or else
 * an immutable directory.
 */
export function readOnlyDir(): { path: string; release: () => void } {
  const path = temp('acme-readonly-');
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o555);
    return { path, release: () => chmodSync(path, 0o755) };
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', path], { stdio: 'pipe' });
    return { path, release: () => execFileSync('umount', [path]) };
  } catch {
    execFileSync('chattr', ['+i', path], { stdio: 'pipe' });
    return { path, release: () => execFileSync('chattr', ['-i', path]) };
  }
}
