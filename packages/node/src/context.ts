import { type BatchContext, type ContextFields, type Contract, LIMITS } from '@tally/contract';
import { readConfig, type UserConfig, writeConfig } from './config.js';
import { projectId } from './ids.js';
import { userFileIn } from './paths.js';
import { machineContext } from './system.js';

/**
 * Context fields that cost file reads, a git walk or a module load to find: a run that only spools
 * leaves them to whoever sends the batch (the detached sender, or this process when it sends), so a
 * short CLI never waits on them. They describe this machine and project, so any process here finds
 * the same values.
 */
export const DEFERRED_FIELDS = [
  'os',
  'osVersion',
  'arch',
  'cpus',
  'runtime',
  'runtimeVersion',
  'docker',
  'wsl',
  'project',
] as const satisfies ReadonlyArray<keyof ContextFields>;

/**
 * What a spooled batch still needs: where its project is, and which deferred fields it may carry.
 * The folder stays in the spool file (mode 600, in the user's config folder) until the batch is sent;
 * it is stripped before sending and never leaves the machine.
 */
export interface Deferred {
  projectDir: string;
  fields: string[];
}

/** What a batch under `contract` leaves for its sender to fill in, for the project in `projectDir`. */
export const deferredFor = (contract: Contract, projectDir: string): Deferred => ({
  projectDir,
  fields: DEFERRED_FIELDS.filter((k) => declared(contract, k)),
});

/** This machine's facts, found once per process (a sender completes many batches). */
let machine: ReturnType<typeof machineContext> | null = null;

/** Whether a context field may leave the process under this contract (identifiers only where allowed). */
export function declared(contract: Contract, field: string): boolean {
  if ((field === 'machine' || field === 'project') && !contract.identifiers[field]) return false;
  return !contract.context.length || ['session', 'sdk', ...contract.context].includes(field);
}

/**
 * A context value as the collector takes it: it refuses a whole batch for one string field longer
 * than LIMITS.contextStringLength (an app version of 200 characters, say), so such a string is cut.
 */
const fitted = (v: unknown) => (typeof v === 'string' ? v.slice(0, LIMITS.contextStringLength) : v);

/** Only the context fields the contract declares, none undefined, each fitted. */
export function onlyDeclared(contract: Contract, ctx: Record<string, unknown>): BatchContext {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) if (v !== undefined && declared(contract, k)) out[k] = fitted(v);
  return out as BatchContext;
}

/**
 * Fills the deferred fields a batch may carry. A project id computed anew is kept in `user` and,
 * given `userFile`, written there (a cache: a failed write only costs the walk again).
 */
export function completeContext(
  partial: BatchContext,
  deferred: Deferred,
  user: UserConfig,
  userFile?: string,
): BatchContext {
  const wanted = new Set(deferred.fields);
  machine ??= machineContext();
  const found: Record<string, unknown> = { ...machine };
  if (wanted.has('project') && user.salt) {
    const project = projectId(deferred.projectDir, user.salt, user.projects);
    found.project = project.id;
    if (project.cache) {
      user.projects = project.cache;
      if (userFile) writeConfig(userFile, user);
    }
  }
  const context: Record<string, unknown> = { ...partial };
  for (const k of DEFERRED_FIELDS) if (wanted.has(k) && found[k] !== undefined) context[k] = fitted(found[k]);
  return context as BatchContext;
}

/**
 * A spooled batch as it is sent: a batch spooled with deferred fields gets them now (from the user
 * config in `userDir` for the project id's salt). Null when the file is not a batch (it is dropped).
 */
export function completeSpooled(text: string, userDir: string): string | null {
  let batch: { context?: BatchContext; defer?: Deferred };
  try {
    batch = JSON.parse(text);
  } catch {
    return null;
  }
  if (!batch || typeof batch !== 'object') return null;
  const { defer, ...rest } = batch;
  if (!defer) return text;
  if (typeof defer.projectDir !== 'string' || !Array.isArray(defer.fields)) return null;
  const file = userFileIn(userDir);
  const cfg = readConfig<UserConfig>(file);
  // an unreadable config is not overwritten: the id is computed without the cache
  const context = completeContext(
    rest.context ?? {},
    defer,
    (cfg.ok && cfg.value) || {},
    cfg.ok ? file : undefined,
  );
  return JSON.stringify({ ...rest, context });
}
