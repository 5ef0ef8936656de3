import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/track-and-exit.mjs', import.meta.url));

/**
 * Runs the fixture CLI with a HOME of its own, telemetry on (nothing in the environment says off).
 * Asynchronously: the collector double lives in this process and must answer meanwhile.
 */
export function runTool(
  mode: 'exit' | 'send' | 'queued',
  o: {
    home: string;
    /** Default: the HOME. */
    cwd?: string;
    endpoint: string;
    /** Default: `{ app: 'Tool' }`. */
    contract?: object;
    count?: number;
    version?: string;
    env?: Record<string, string>;
  },
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [FIXTURE, mode, JSON.stringify(o.contract ?? { app: 'Tool' })],
      {
        cwd: o.cwd ?? o.home,
        env: {
          ...process.env,
          HOME: o.home,
          XDG_CONFIG_HOME: '',
          DO_NOT_TRACK: '',
          CI: '',
          TOOL_ENDPOINT: o.endpoint,
          TRACK_COUNT: String(o.count ?? 1),
          TOOL_VERSION: o.version ?? '3.0.0',
          ...o.env,
        },
        timeout: 15_000,
      },
      (err, _stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stderr: String(stderr) }),
    );
  });
}

/**
 * Removes a test HOME. A detached sender a run started may still be at work in it (it stays a few
 * seconds), writing files while they are deleted: it is stopped first.
 */
export function removeHome(home: string): void {
  try {
    const { pid } = JSON.parse(readFileSync(join(home, '.config', 'tool', 'spool', 'sender.state'), 'utf8'));
    if (pid) process.kill(pid, 'SIGKILL');
  } catch {
    // no sender, or gone already
  }
  rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}
