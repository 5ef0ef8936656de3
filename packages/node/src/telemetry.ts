import {
  type BatchContext,
  batchesOf,
  type Contract,
  type ContractInput,
  defineContract,
  type PropValue,
  randomId,
  validateEvent,
  type WireEvent,
} from '@tally/contract';
import { runCommand } from './command.js';
import { readConfig, retireKey, type UserConfig, writeConfig } from './config.js';
import { consentOf, type Decision, decide } from './consent.js';
import { completeContext, deferredFor, onlyDeclared } from './context.js';
import { deliverSpooled } from './deliver.js';
import { recordSent } from './history.js';
import { newMachineId, newSalt, sessionId } from './ids.js';
import { builtin } from './lazy.js';
import { spoolIn } from './paths.js';
import { askYesNo } from './prompt.js';
import { type Outcome, postWithRetry, verdict } from './send.js';
import { dropSpool, liftBackoff, senderAtWork, senderBusy, setSenderState, spool, spooled } from './spool.js';
import { ciContext } from './system.js';

export interface TelemetryOptions {
  /** Product name: config folder, environment prefix (<APP>_DISABLE_TELEMETRY) and notice text. */
  app: string;
  key: string;
  endpoint: string;
  version?: string;
  contract?: Contract | ContractInput;
  /** Where the project lives (its root): project config and project id. Default: cwd. */
  projectDir?: string;
  /** Bumping it shows the first-run notice again. */
  policyVersion?: number;
  /** The notice printed once to stderr; default says what is collected and how to opt out. */
  notice?: string;
  /** Long-running processes send batches this often (ms); the timer never keeps the process alive. */
  flushIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  /** Queues an event. Never throws, never blocks, never delays exit. */
  track(name: string, props?: Record<string, PropValue>): void;
  /**
   * Sends what is queued, bounded at 1 s (at once when the collector just failed); what is not
   * acknowledged by then is spooled at exit and delivered by the detached sender or a later run.
   */
  shutdown(): Promise<void>;
  /** `<cli> telemetry --enable|--disable|status|reset`; true when argv was a telemetry command. */
  command(argv: string[]): Promise<boolean>;
  /** Whether telemetry is on, and which source decided. */
  status(): Decision;
  /**
   * For opt-in apps: asks once, on a terminal, whether to send usage data (default No, times out,
   * never without a TTY or in CI) and remembers the answer. Resolves whether telemetry is on.
   */
  ask(question?: string, timeoutMs?: number): Promise<boolean>;
}

/** The detached sender gives up after this, whatever the collector does. */
const SENDER_DEADLINE_MS = 10_000;
const SHUTDOWN_MS = 1000;
/** How long a long-running process spends delivering an earlier run's spool once the collector is back. */
const DRAIN_MS = 5000;
const SDK = 'tally-node/0.1.0';
/** Events waiting in memory at most; beyond it new ones are dropped (a host's memory stays bounded). */
const MAX_PENDING = 5000;

/** What the gate (gate.ts) hands the core: the decision it already made, and where the sender is. */
export interface CoreHost {
  decision: Decision;
  /** The detached sender's file (next to the gate, which knows its own URL). */
  senderPath: string;
}

/**
 * The telemetry of a Node backend or CLI, past the consent gate: loaded only when telemetry is on (or
 * for `command`/`ask`). Creating it reads nothing more.
 */
export function createCore(options: TelemetryOptions, host: CoreHost): Telemetry {
  const env = options.env ?? process.env;
  const prefix = options.app.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  let contract: Contract;
  try {
    contract = defineContract((options.contract as ContractInput | undefined) ?? { app: options.app });
  } catch {
    // a broken contract sends built-in events only, and keeps the consent model it asked for
    contract = defineContract({ app: options.app, consent: consentOf(options.contract) });
  }
  const projectDir = options.projectDir ?? process.cwd();
  const endpoint = env[`${prefix}_TELEMETRY_ENDPOINT`] || options.endpoint;
  const debug = env[`${prefix}_TELEMETRY_DEBUG`] === '1';
  const policyVersion = options.policyVersion ?? 1;

  let decision: Decision | null = host.decision;
  const current = () => {
    decision ??= decide(options.app, consentOf(contract), projectDir, env);
    return decision;
  };

  /** The context known cheaply at start; a sender adds the deferred fields (see context.ts). */
  let partial: BatchContext | null = null;
  /** The whole context, found the first time this process itself sends. */
  let context: BatchContext | null = null;
  let pending: WireEvent[] = [];
  /**
   * Batches taken from `pending` and not yet answered, waiting their turn or on the wire: spooled at
   * exit (at least once).
   */
  const unsettled = new Set<WireEvent[]>();
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let exitHooked = false;
  let off = false;
  /** False once the collector failed to take a batch: shutdown then stops waiting on it. */
  let healthy = true;
  let draining = false;

  const spoolDir = () => spoolIn(current().userDir as string);

  /** Everything that creates state happens here, once, and only when telemetry is on. */
  function start(): boolean {
    if (off) return false;
    if (partial) return true;
    const d = current();
    if (!d.enabled || !d.userDir || !d.userFile || d.user?.retiredKeys?.includes(options.key)) {
      off = true;
      // Off means off: whatever an earlier enabled run left behind is deleted, never sent.
      if (!d.enabled && d.userDir) dropSpool(spoolIn(d.userDir));
      return false;
    }
    // The decision read the user config already, unless a project config decided before it.
    const existing = d.user ? { ok: true as const, value: d.user } : readConfig<UserConfig>(d.userFile);
    if (!existing.ok) {
      off = true;
      return false;
    }
    const user: UserConfig = { ...(existing.value ?? {}) };
    const fresh = !user.machineId || !user.salt;
    user.machineId ??= newMachineId();
    user.salt ??= newSalt();
    const showNotice = (user.noticeVersion ?? 0) < policyVersion && !debug;
    if (showNotice) user.noticeVersion = policyVersion;
    if ((fresh || showNotice) && !writeConfig(d.userFile, user)) {
      off = true; // unwritable config folder: quietly off
      return false;
    }
    d.user = user;
    if (showNotice) process.stderr.write(`${options.notice ?? defaultNotice(options.app, prefix)}\n`);
    partial = onlyDeclared(contract, {
      session: sessionId(),
      machine: user.machineId,
      ...ciContext(env),
      appVersion: options.version,
      sdk: SDK,
    });
    return true;
  }

  /** The whole context, for a batch this process sends (or prints in debug mode). */
  function fullContext(): BatchContext {
    const d = current();
    context ??= completeContext(
      partial ?? {},
      deferredFor(contract, projectDir),
      d.user ?? {},
      (d.user && d.userFile) || undefined, // no config read: none written over
    );
    return context;
  }

  const body = (events: WireEvent[]) =>
    JSON.stringify({ app: options.key, id: randomId(), context: fullContext(), events });
  /** A batch for the spool: whoever sends it fills in the deferred fields. */
  const spoolBody = (events: WireEvent[]) =>
    context
      ? body(events)
      : JSON.stringify({
          app: options.key,
          id: randomId(),
          context: partial,
          events,
          defer: deferredFor(contract, projectDir),
        });

  /** Handles the collector's answer to one batch; true when it took it. */
  function settle(text: string, outcome: Outcome): boolean {
    const d = current();
    const v = verdict(outcome);
    healthy = v !== 'keep';
    if (v === 'sent' && d.userDir) {
      recordSent(d.userDir, text);
      // The collector is back: lift a back-off left by a failed sender, so that what waits in the
      // spool is delivered now (below) or by the sender started at exit.
      liftBackoff(spoolDir());
    } else if (v === 'keep' && d.userDir) spool(spoolDir(), text);
    else if (v === 'retire' && d.userFile) {
      off = true;
      pending = [];
      retireKey(d.userFile, options.key, d.user ?? {});
    }
    return v === 'sent';
  }

  async function sendNow(events: WireEvent[], deadline: number): Promise<void> {
    const text = body(events);
    const outcome = await postWithRetry(endpoint, text, deadline);
    unsettled.delete(events);
    if (settle(text, outcome) && !draining) {
      draining = true;
      void drainSpool()
        .catch(() => {})
        .finally(() => {
          draining = false;
        });
    }
  }

  /**
   * The collector is back: a long-running process delivers what earlier runs spooled and lifts the
   * back-off, so the next short run hands over at once. A detached sender still at work is let finish
   * first (it ends by its own hard deadline); whatever it leaves behind is delivered here.
   */
  async function drainSpool(): Promise<void> {
    const dir = spoolDir();
    while (senderAtWork(dir)) await new Promise((r) => setTimeout(r, 250).unref());
    liftBackoff(dir);
    const failed = await deliverSpooled(dir, endpoint, Date.now() + DRAIN_MS, {
      userDir: current().userDir as string,
      hold: false,
      stop: () => off,
      settled: settle,
    });
    if (failed) healthy = false;
  }

  function flush(deadline: number): Promise<void> {
    if (!pending.length || off) return inFlight ?? Promise.resolve();
    let run = inFlight ?? Promise.resolve();
    for (const events of batchesOf(pending)) {
      unsettled.add(events);
      // one batch at a time; none after the key was retired, none the exit hook already spooled
      run = run
        .then(() => (unsettled.has(events) && !off ? sendNow(events, deadline) : undefined))
        .catch(() => {});
    }
    pending = [];
    inFlight = run;
    return run;
  }

  /** At exit: what is left goes to the spool, and a detached sender delivers the spool. */
  function onExit(): void {
    try {
      if (off) return;
      let wrote = false;
      for (const events of [...unsettled, ...batchesOf(pending)])
        wrote = spool(spoolDir(), spoolBody(events)) || wrote;
      pending = [];
      unsettled.clear();
      const d = current();
      const dir = spoolDir();
      if (!d.userDir || senderBusy(dir) || (!wrote && !spooled(dir).length)) return;
      const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
      const child = spawn(
        process.execPath,
        [host.senderPath, dir, endpoint, d.userDir, String(SENDER_DEADLINE_MS)],
        {
          detached: true,
          stdio: 'ignore',
          env: senderEnv(env),
          windowsHide: true,
        },
      );
      child.on('error', () => {});
      child.unref();
      // Recorded here too, not only by the sender: no second run starts another in the meantime.
      if (child.pid) setSenderState(dir, { pid: child.pid, until: Date.now() + SENDER_DEADLINE_MS });
    } catch {
      // never hurt the host
    }
  }

  return {
    track(name, props) {
      try {
        // Off: the event is not even checked (start() records that it is off, once).
        if (off || !current().enabled) return void start();
        const checked = validateEvent(contract, { name, ts: Date.now(), ...(props ? { props } : {}) });
        if (!checked.ok) {
          if (debug) process.stderr.write(`[${options.app} telemetry] dropped ${name}: ${checked.reason}\n`);
          return;
        }
        if (!start()) return;
        if (debug) {
          process.stderr.write(
            `[${options.app} telemetry] would send (debug mode sends nothing):\n${JSON.stringify(JSON.parse(body([checked.event])), null, 2)}\n`,
          );
          return;
        }
        if (pending.length < MAX_PENDING) pending.push(checked.event);
        if (!exitHooked) {
          exitHooked = true;
          process.once('exit', onExit);
        }
        timer ??= setTimeout(() => {
          timer = null;
          void flush(Date.now() + 5000);
        }, options.flushIntervalMs ?? 1000);
        timer.unref();
      } catch {
        // never hurt the host
      }
    },
    async shutdown() {
      try {
        if (timer) clearTimeout(timer);
        timer = null;
        // A collector that just failed (down, 5xx, 429) is not waited on: the exit hook spools.
        if (off || !healthy) return;
        // The host awaits this, so the guard is a ref'd timer: an unref'd one would let a script that
        // awaits shutdown() at top level end with the await unsettled (exit code 13), not its own.
        let guard: NodeJS.Timeout | undefined;
        await Promise.race([
          flush(Date.now() + SHUTDOWN_MS),
          new Promise((r) => {
            guard = setTimeout(r, SHUTDOWN_MS);
          }),
        ]);
        clearTimeout(guard);
      } catch {
        // never hurt the host
      }
    },
    async command(argv) {
      try {
        return await runCommand(argv, {
          app: options.app,
          prefix,
          status: () => {
            decision = null;
            return current();
          },
          projectDir,
        });
      } catch {
        return false;
      }
    },
    status: () => current(),
    // Reached only when the gate found an opt-in app that has no answer yet (gate.ts).
    async ask(question, timeoutMs = 15_000) {
      try {
        const d = current();
        if (!d.userFile) return false;
        const yes = await askYesNo(
          question ?? `Help improve ${options.app} by sending anonymous usage data?`,
          timeoutMs,
          env,
        );
        if (yes === null) return false; // no terminal to ask on: stays off, and we ask next time
        const existing = readConfig<UserConfig>(d.userFile);
        if (existing.ok) writeConfig(d.userFile, { ...(existing.value ?? {}), enabled: yes });
        decision = null;
        off = false;
        return current().enabled;
      } catch {
        return false;
      }
    },
  };
}

/** The detached sender gets the host's certificate settings and nothing else of its environment. */
function senderEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'SYSTEMROOT', 'PATH'])
    if (env[k]) out[k] = env[k];
  return out;
}

function defaultNotice(app: string, prefix: string): string {
  return [
    `${app} collects anonymous usage data (OS, Node version, ${app} version) to improve the product.`,
    `Opt out: ${app.toLowerCase()} telemetry --disable, or ${prefix}_DISABLE_TELEMETRY=true, or DO_NOT_TRACK=1.`,
  ].join('\n');
}
