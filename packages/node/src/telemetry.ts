import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BatchContext,
  type Contract,
  type ContractInput,
  defineContract,
  type PropValue,
  validateEvent,
  type WireEvent,
} from '@tally/contract';
import { runCommand } from './command.js';
import { readConfig, type UserConfig, writeConfig } from './config.js';
import { type Decision, decide } from './consent.js';
import { recordSent } from './history.js';
import { newMachineId, newSalt, projectId } from './ids.js';
import { builtin, crypto } from './lazy.js';
import { askYesNo } from './prompt.js';
import { postWithRetry, verdict } from './send.js';
import { dropSpool, spool, spooled } from './spool.js';
import { systemContext } from './system.js';

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
  /** Sends what is queued within 1 s; the rest is handed to the detached sender at exit. */
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

const SENDER = fileURLToPath(new URL('./sender.js', import.meta.url));
const SENDER_DEADLINE_MS = 10_000;

/** Creates the telemetry of a Node backend or CLI. Creating it reads configuration and nothing else. */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const prefix = options.app.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const contract = options.contract
    ? defineContract(options.contract as ContractInput)
    : defineContract({ app: options.app });
  const projectDir = options.projectDir ?? process.cwd();
  const endpoint = env[`${prefix}_TELEMETRY_ENDPOINT`] || options.endpoint;
  const debug = env[`${prefix}_TELEMETRY_DEBUG`] === '1';
  const policyVersion = options.policyVersion ?? 1;

  let decision: Decision | null = null;
  const current = () => {
    decision ??= decide(options.app, contract.consent, projectDir, env);
    return decision;
  };

  let context: BatchContext | null = null;
  let pending: WireEvent[] = [];
  /** Batches being sent right now: spooled at exit if the send has not finished (at least once). */
  const sending = new Set<WireEvent[]>();
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let exitHooked = false;
  let off = false;

  const spoolDir = () => join(current().userDir as string, 'spool');

  /** Everything that creates state happens here, once, and only when telemetry is on. */
  function start(): boolean {
    if (off) return false;
    const d = current();
    if (!d.enabled || !d.userDir || !d.userFile || d.user?.retiredKeys?.includes(options.key)) {
      off = true;
      // Off means off: whatever an earlier enabled run left behind is deleted, never sent.
      if (!d.enabled && d.userDir) dropSpool(join(d.userDir, 'spool'));
      return false;
    }
    if (context) return true;
    const existing = readConfig<UserConfig>(d.userFile);
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
    const all: BatchContext = {
      session: crypto().randomUUID(),
      machine: user.machineId,
      project: projectId(projectDir, user.salt),
      ...systemContext(env),
      appVersion: options.version,
      sdk: 'tally-node/0.1.0',
    };
    context = onlyDeclared(contract, all);
    return true;
  }

  function body(events: WireEvent[]): string {
    return JSON.stringify({ app: options.key, context, events });
  }

  async function sendNow(events: WireEvent[], deadline: number): Promise<void> {
    const text = body(events);
    sending.add(events);
    const v = verdict(await postWithRetry(endpoint, text, deadline));
    sending.delete(events);
    const d = current();
    if (v === 'sent' && d.userDir) recordSent(d.userDir, text);
    else if (v === 'keep' && d.userDir) spool(spoolDir(), text);
    else if (v === 'retire' && d.userFile) {
      off = true;
      writeConfig(d.userFile, {
        ...(d.user ?? {}),
        retiredKeys: [...(d.user?.retiredKeys ?? []), options.key],
      });
    }
  }

  function flush(deadline: number): Promise<void> {
    if (!pending.length || off) return inFlight ?? Promise.resolve();
    const events = pending;
    pending = [];
    const run = (inFlight ?? Promise.resolve()).then(() => sendNow(events, deadline)).catch(() => {});
    inFlight = run;
    return run;
  }

  /** At exit: what is left goes to the spool, and a detached sender delivers the spool. */
  function onExit(): void {
    try {
      if (off) return;
      for (const events of sending) spool(spoolDir(), body(events));
      if (pending.length) spool(spoolDir(), body(pending));
      pending = [];
      sending.clear();
      const d = current();
      if (!d.userDir || !spooled(spoolDir()).length) return;
      const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
      const child = spawn(
        process.execPath,
        [SENDER, spoolDir(), endpoint, d.userDir, String(SENDER_DEADLINE_MS)],
        {
          detached: true,
          stdio: 'ignore',
          env: {},
        },
      );
      child.unref();
    } catch {
      // never hurt the host
    }
  }

  return {
    track(name, props) {
      try {
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
        pending.push(checked.event);
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
      if (timer) clearTimeout(timer);
      timer = null;
      const deadline = Date.now() + 1000;
      await Promise.race([flush(deadline), new Promise((r) => setTimeout(r, 1000).unref())]);
    },
    command(argv) {
      return runCommand(argv, {
        app: options.app,
        prefix,
        status: () => {
          decision = null;
          return current();
        },
        projectDir,
      });
    },
    status: () => current(),
    async ask(question, timeoutMs = 15_000) {
      try {
        const d = current();
        if (d.source !== 'default' || contract.consent !== 'opt-in' || !d.userFile) return d.enabled;
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

/** Only the context fields the contract declares leave the process; identifiers only where allowed. */
function onlyDeclared(contract: Contract, ctx: BatchContext): BatchContext {
  const keep = new Set<string>(['session', 'sdk', ...contract.context]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (v === undefined) continue;
    if ((k === 'machine' || k === 'project') && !contract.identifiers[k]) continue;
    if (contract.context.length && !keep.has(k)) continue;
    out[k] = v;
  }
  return out as BatchContext;
}

function defaultNotice(app: string, prefix: string): string {
  return [
    `${app} collects anonymous usage data (OS, Node version, ${app} version) to improve the product.`,
    `Opt out: ${app.toLowerCase()} telemetry --disable, or ${prefix}_DISABLE_TELEMETRY=true, or DO_NOT_TRACK=1.`,
  ].join('\n');
}
