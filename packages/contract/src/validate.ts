import { LIMITS } from './builtin.js';
import type { BatchContext, Contract, PropSpec, PropValue, WireEvent } from './types.js';

export type Validated = { ok: true; event: WireEvent } | { ok: false; reason: string };

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Text with no lone surrogate. JSON can carry one (a `"\ud800"` escape with no pair), JavaScript
 * keeps it, but it is no Unicode text: strict JSON readers (the store's among them) refuse it, and
 * a stored one would make every later read of the rows around it fail.
 */
export const isText: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as string & { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/\p{Cs}/u.test(s); // browsers before isWellFormed (2023)

const NOT_TEXT = 'is not valid Unicode text (a lone surrogate)';

/** Removes query string and fragment: a path is where, never what was searched. */
export function cleanPath(path: string): string {
  const cut = path.search(/[?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

function checkProp(name: string, spec: PropSpec, v: unknown): string | null {
  const maxLen = spec.maxLength ?? LIMITS.defaultStringLength;
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') return `property ${name} must be a string`;
      if (v.length > maxLen) return `property ${name} is longer than ${maxLen} characters`;
      if (!isText(v)) return `property ${name} ${NOT_TEXT}`;
      if (spec.enum && !spec.enum.includes(v))
        return `property ${name} must be one of ${spec.enum.join(', ')}`;
      return null;
    case 'boolean':
      return typeof v === 'boolean' ? null : `property ${name} must be a boolean`;
    case 'number':
    case 'integer':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `property ${name} must be a finite number`;
      if (spec.type === 'integer' && !Number.isInteger(v)) return `property ${name} must be an integer`;
      if (spec.min !== undefined && v < spec.min) return `property ${name} must be at least ${spec.min}`;
      if (spec.max !== undefined && v > spec.max) return `property ${name} must be at most ${spec.max}`;
      return null;
    case 'string[]': {
      const maxItems = spec.maxItems ?? LIMITS.defaultItems;
      if (!Array.isArray(v)) return `property ${name} must be a list of strings`;
      if (v.length > maxItems) return `property ${name} has more than ${maxItems} items`;
      for (const item of v) {
        if (typeof item !== 'string') return `property ${name} must be a list of strings`;
        if (item.length > maxLen) return `property ${name} has an item longer than ${maxLen} characters`;
        if (!isText(item)) return `property ${name} has an item that ${NOT_TEXT}`;
      }
      return null;
    }
  }
}

/**
 * Checks one event against the contract. Returns the event as it may be stored (path cleaned,
 * unknown top-level keys dropped) or the reason it is refused. Used by the server and by SDKs.
 */
export function validateEvent(contract: Contract, raw: unknown): Validated {
  if (!isObject(raw)) return { ok: false, reason: 'event must be an object' };
  const { name, ts, path, duration, props } = raw;
  if (typeof name !== 'string' || !name)
    return { ok: false, reason: 'event name must be a non-empty string' };
  if (name.length > LIMITS.nameLength)
    return { ok: false, reason: `event name is longer than ${LIMITS.nameLength}` };
  // Own properties only: 'constructor' or '__proto__' must not pass for declared names.
  const spec = Object.hasOwn(contract.events, name) ? contract.events[name] : undefined;
  if (!spec) return { ok: false, reason: `event ${name} is not declared in the contract` };
  const event: WireEvent = { name };
  if (ts !== undefined) {
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0)
      return { ok: false, reason: 'ts must be ms since the epoch' };
    event.ts = Math.trunc(ts);
  }
  if (path !== undefined) {
    if (typeof path !== 'string') return { ok: false, reason: 'path must be a string' };
    if (path.length > LIMITS.pathLength)
      return { ok: false, reason: `path is longer than ${LIMITS.pathLength}` };
    if (!isText(path)) return { ok: false, reason: `path ${NOT_TEXT}` };
    event.path = cleanPath(path);
  }
  if ((name === 'pageview' || name === 'pageleave') && !event.path)
    return { ok: false, reason: `${name} needs a path` };
  if (duration !== undefined) {
    if (name !== 'pageleave') return { ok: false, reason: 'only pageleave carries a duration' };
    if (
      typeof duration !== 'number' ||
      !Number.isFinite(duration) ||
      duration < 0 ||
      duration > LIMITS.maxDurationMs
    )
      return { ok: false, reason: 'duration must be milliseconds between 0 and one day' };
    event.duration = Math.round(duration);
  }
  if (props !== undefined) {
    if (!isObject(props)) return { ok: false, reason: 'props must be an object' };
    const keys = Object.keys(props);
    if (keys.length > LIMITS.propsPerEvent)
      return { ok: false, reason: `more than ${LIMITS.propsPerEvent} properties` };
    const out: Record<string, PropValue> = {};
    for (const key of keys) {
      const propSpec = spec.props && Object.hasOwn(spec.props, key) ? spec.props[key] : undefined;
      if (!propSpec) return { ok: false, reason: `property ${key} is not declared for event ${name}` };
      if (propSpec.privacy === 'identifier' && !contract.identifiers.machine && !contract.identifiers.project)
        return { ok: false, reason: `property ${key} is an identifier and the contract allows none` };
      const problem = checkProp(key, propSpec, props[key]);
      if (problem) return { ok: false, reason: problem };
      out[key] = props[key] as PropValue;
    }
    if (keys.length) event.props = out;
  }
  if (spec.props)
    for (const key of Object.keys(spec.props)) {
      if (spec.props[key]?.required && event.props?.[key] === undefined)
        return { ok: false, reason: `property ${key} is required` };
    }
  return { ok: true, event };
}

export const CONTEXT_STRINGS = [
  'session',
  'machine',
  'project',
  'os',
  'osVersion',
  'arch',
  'runtime',
  'runtimeVersion',
  'appVersion',
  'locale',
  'screen',
  'ciName',
  'sdk',
] as const;
export const CONTEXT_BOOLEANS = ['ci', 'docker', 'wsl'] as const;

export type ValidatedContext =
  | { ok: true; context: BatchContext; dropped: string[] }
  | { ok: false; reason: string };

/**
 * Checks a batch context. Unknown keys are an error (a typo would silently lose data); identifiers
 * the contract does not allow are dropped and named in `dropped`, never stored.
 */
export function validateContext(contract: Contract, raw: unknown): ValidatedContext {
  if (raw === undefined || raw === null) return { ok: true, context: {}, dropped: [] };
  if (!isObject(raw)) return { ok: false, reason: 'context must be an object' };
  const context: Record<string, unknown> = {};
  const dropped: string[] = [];
  // for…in, not Object.entries: no array per key on a path every batch takes
  for (const key in raw) {
    if (!Object.hasOwn(raw, key)) continue;
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if ((CONTEXT_STRINGS as readonly string[]).includes(key)) {
      if (typeof v !== 'string') return { ok: false, reason: `context.${key} must be a string` };
      if (v.length > LIMITS.contextStringLength)
        return { ok: false, reason: `context.${key} is longer than ${LIMITS.contextStringLength}` };
      if (!isText(v)) return { ok: false, reason: `context.${key} ${NOT_TEXT}` };
      if ((key === 'machine' || key === 'project') && !contract.identifiers[key]) {
        dropped.push(key);
        continue;
      }
      context[key] = v;
    } else if ((CONTEXT_BOOLEANS as readonly string[]).includes(key)) {
      if (typeof v !== 'boolean') return { ok: false, reason: `context.${key} must be a boolean` };
      context[key] = v;
    } else if (key === 'cpus') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65536)
        return { ok: false, reason: 'context.cpus must be a small integer' };
      context[key] = v;
    } else {
      return { ok: false, reason: `context.${key} is not a known field` };
    }
  }
  return { ok: true, context: context as BatchContext, dropped };
}

/** Drops every `pii` property (the user chose to anonymise). Identifiers go too unless allowed. */
export function anonymizeProps(
  contract: Contract,
  name: string,
  props: Record<string, PropValue> | undefined,
): Record<string, PropValue> | undefined {
  if (!props) return props;
  const specs = contract.events[name]?.props ?? {};
  const out: Record<string, PropValue> = {};
  for (const [k, v] of Object.entries(props)) {
    const privacy = specs[k]?.privacy ?? 'anonymous';
    if (privacy === 'pii') continue;
    out[k] = v;
  }
  return out;
}
