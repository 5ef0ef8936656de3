import { LIMITS } from './builtin.js';
import type { ContextFields } from './types.js';
import { CONTEXT_BOOLEANS, CONTEXT_STRINGS, isObject } from './validate.js';

/**
 * Checks what a contract's TypeScript type promises but JSON does not: a contract uploaded to the
 * server, or read by `tally docs`, is whatever a file or a request held. Returns the first problem,
 * in the words of `defineContract`'s errors, or null. Names and descriptions are checked there.
 */

/** Every field a batch context may carry (what validateContext accepts). */
const CONTEXT_FIELDS: ReadonlyArray<keyof ContextFields> = [...CONTEXT_STRINGS, ...CONTEXT_BOOLEANS, 'cpus'];

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;

function optional(v: unknown, ok: (v: unknown) => boolean, what: string): string | null {
  return v === undefined || ok(v) ? null : `contract: ${what}`;
}

/** A property's spec: bounds that are numbers, lists that are lists. */
function propProblem(at: string, p: Record<string, unknown>): string | null {
  const problems = [
    optional(
      p.privacy,
      (v) => ['anonymous', 'pii', 'identifier'].includes(v as string),
      `${at}: privacy must be anonymous, pii or identifier`,
    ),
    optional(p.maxLength, isCount, `${at}: maxLength must be a whole number from 1`),
    optional(p.maxItems, isCount, `${at}: maxItems must be a whole number from 1`),
    optional(p.min, Number.isFinite, `${at}: min must be a number`),
    optional(p.max, Number.isFinite, `${at}: max must be a number`),
    optional(p.enum, isStrings, `${at}: enum must be a list of strings`),
    optional(p.required, (v) => typeof v === 'boolean', `${at}: required must be true or false`),
  ];
  const first = problems.find((x) => x !== null);
  if (first) return first;
  if (typeof p.min === 'number' && typeof p.max === 'number' && p.min > p.max)
    return `contract: ${at}: min is above max`;
  return null;
}

export function contractProblem(input: Record<string, unknown>): string | null {
  const top = [
    optional(input.purpose, (v) => typeof v === 'string', '`purpose` must be text'),
    optional(input.anonymize, (v) => typeof v === 'string', '`anonymize` must be text'),
    optional(input.consent, (v) => v === 'opt-in' || v === 'opt-out', '`consent` must be opt-in or opt-out'),
    optional(
      input.identifiers,
      (v) => isObject(v) && Object.values(v).every((b) => b === undefined || typeof b === 'boolean'),
      '`identifiers` must be { machine?: boolean, project?: boolean }',
    ),
    optional(
      input.context,
      (v) => Array.isArray(v) && v.every((f) => (CONTEXT_FIELDS as readonly unknown[]).includes(f)),
      `\`context\` must list context fields (${CONTEXT_FIELDS.join(', ')})`,
    ),
    optional(input.events, isObject, '`events` must be an object of event name to event'),
    optional(
      input.pages,
      (v) => isStrings(v) && v.every((p) => p.length <= LIMITS.pathLength),
      `\`pages\` must be a list of paths (at most ${LIMITS.pathLength} characters each)`,
    ),
    optional(input.neverCollected, isStrings, '`neverCollected` must be a list of strings'),
    optional(
      input.optOut,
      (v) =>
        isObject(v) &&
        ['env', 'command', 'featureFlag'].every((k) => v[k] === undefined || typeof v[k] === 'string') &&
        (v.settings === undefined || isStrings(v.settings)) &&
        (v.doNotTrack === undefined || typeof v.doNotTrack === 'boolean'),
      '`optOut` must be { env?, command?, featureFlag?: text, settings?: list of text, doNotTrack?: boolean }',
    ),
  ];
  const first = top.find((x) => x !== null);
  if (first) return first;
  for (const [name, spec] of Object.entries((input.events as Record<string, unknown>) ?? {})) {
    if (!isObject(spec)) continue; // "needs a description", said by defineContract
    if (spec.when !== undefined && typeof spec.when !== 'string')
      return `contract: event ${name}: when must be text`;
    if (spec.props !== undefined && !isObject(spec.props))
      return `contract: event ${name}: props must be an object of property name to property`;
    for (const [prop, p] of Object.entries((spec.props as Record<string, unknown>) ?? {})) {
      const problem = isObject(p) ? propProblem(`property ${name}.${prop}`, p) : null;
      if (problem) return problem;
    }
  }
  return null;
}
