import { consentOf, type Decision, decide } from './consent.js';
import { besideGate, type LoadedCore, loadCore } from './load-core.js';
import { spoolIn } from './paths.js';
import { dropSpool } from './spool.js';
import type { Telemetry, TelemetryOptions } from './telemetry.js';

/**
 * Creates the telemetry of a Node backend or CLI. This is the consent gate: the only code a host with
 * telemetry off ever loads. It decides (environment, then two small config files) and, when telemetry
 * is off, does nothing more than delete a spool an earlier enabled run left. The core — contract
 * validation, ids, spool, sending — is loaded on the first event of a process whose telemetry is on,
 * or for `command` and `ask`. Creating it reads configuration and nothing else.
 */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const projectDir = options.projectDir ?? process.cwd();
  const consent = consentOf(options.contract);
  let decision: Decision | null = null;
  let core: Telemetry | null = null;
  let loaded: LoadedCore | null = null;
  /** The core could not be loaded: telemetry stays quiet rather than try again on every event. */
  let broken = false;
  let dropped = false;

  const decided = () => {
    decision ??= decide(options.app, consent, projectDir, env);
    return decision;
  };
  const status = () => core?.status() ?? decided();
  const full = (): Telemetry | null => {
    if (core || broken) return core;
    try {
      loaded = loadCore(decided().userDir);
      core = loaded.createCore(options, { decision: decided(), senderPath: besideGate('sender.js') });
    } catch {
      broken = true;
    }
    return core;
  };

  return {
    track(name, props) {
      try {
        if (!core && !decided().enabled) {
          // Off means off: whatever an earlier enabled run left behind is deleted, never sent.
          const { userDir } = decided();
          if (!dropped && userDir) dropSpool(spoolIn(userDir));
          dropped = true;
          return;
        }
        full()?.track(name, props);
        // Registered after the core's own exit hook (its first event registers that one).
        if (loaded?.saveCache) {
          process.once('exit', loaded.saveCache);
          loaded.saveCache = null;
        }
      } catch {
        // never hurt the host
      }
    },
    shutdown: () => core?.shutdown() ?? Promise.resolve(),
    async command(argv) {
      if (argv[0] !== 'telemetry') return false;
      return (await full()?.command(argv)) ?? false;
    },
    status,
    async ask(question, timeoutMs) {
      const d = status();
      // Only an opt-in app with no answer yet asks; everyone else has theirs (and loads nothing).
      if (d.source !== 'default' || consent !== 'opt-in' || !d.userFile) return d.enabled;
      return (await full()?.ask(question, timeoutMs)) ?? false;
    },
  };
}
