import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/optin.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/tally-node.js', import.meta.url)));

/** Runs the opt-in CLI, on a pseudo-terminal (util-linux `script`) when `tty` is set. */
function run(o: { tty: boolean; input?: string; env?: Record<string, string> }) {
  const home = mkdtempSync(join(tmpdir(), 'optin-home-'));
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: '',
    CI: '',
    GITHUB_ACTIONS: '',
    DO_NOT_TRACK: '',
    ASK_TIMEOUT_MS: '3000',
    ...o.env,
  };
  const r = o.tty
    ? spawnSync('script', ['-qec', `${process.execPath} ${FIXTURE}`, '/dev/null'], {
        env,
        input: o.input ?? '',
        encoding: 'utf8',
        timeout: 20_000,
      })
    : spawnSync(process.execPath, [FIXTURE], {
        env,
        input: o.input ?? '',
        encoding: 'utf8',
        timeout: 20_000,
      });
  const file = join(home, '.config', 'forge', 'telemetry.json');
  const config = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  rmSync(home, { recursive: true, force: true });
  return { out: `${r.stdout}${r.stderr}`, config };
}

describe.skipIf(!built)('[R1] opt-in: the first-start question on a terminal', () => {
  it('[R2] asks on a TTY; "y" turns telemetry on and is remembered', () => {
    const r = run({ tty: true, input: 'y\n' });
    expect(r.out).toContain('Help improve forge by sending anonymous usage data? [y/N]');
    expect(r.out).toContain('enabled=true');
    expect(r.config).toMatchObject({ enabled: true });
  });

  it('[R3] "n", or no answer before the timeout, is No: off and remembered', () => {
    const no = run({ tty: true, input: 'n\n' });
    expect(no.out).toContain('enabled=false');
    expect(no.config).toMatchObject({ enabled: false });
    const silent = run({ tty: true, env: { ASK_TIMEOUT_MS: '500' } });
    expect(silent.out).toContain('enabled=false');
  });

  it('never asks without a terminal or in CI, and stays off without writing anything', () => {
    const piped = run({ tty: false, input: 'y\n' });
    expect(piped.out.trim()).toBe('enabled=false');
    expect(piped.config).toBeNull();
    const ci = run({ tty: true, input: 'y\n', env: { CI: 'true' } });
    expect(ci.out).not.toContain('[y/N]');
    expect(ci.out).toContain('enabled=false');
    expect(ci.config).toBeNull();
  });
});
