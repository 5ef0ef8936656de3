import { BUILTIN_EVENTS } from './builtin.js';
import { contractProblem } from './shape.js';
import type { Contract, ContractInput } from './types.js';

const NAME = /^[a-zA-Z][a-zA-Z0-9_.:-]{0,63}$/;

/** Normalises a contract: fills defaults and adds the built-in events. Throws on a malformed contract,
 * so a mistake shows up when the app is written, not when its users run it. */
export function defineContract(input: ContractInput): Contract {
  if (!input || typeof input.app !== 'string' || !input.app.trim())
    throw new Error('contract: `app` is required');
  const problem = contractProblem(input as unknown as Record<string, unknown>);
  if (problem) throw new Error(problem);
  const events = { ...BUILTIN_EVENTS };
  for (const [name, spec] of Object.entries(input.events ?? {})) {
    if (!NAME.test(name)) throw new Error(`contract: event name ${JSON.stringify(name)} is not allowed`);
    if (!spec?.description) throw new Error(`contract: event ${name} needs a description`);
    for (const [prop, p] of Object.entries(spec.props ?? {})) {
      if (!NAME.test(prop))
        throw new Error(`contract: property ${name}.${prop} has a name that is not allowed`);
      if (!p?.description) throw new Error(`contract: property ${name}.${prop} needs a description`);
      if (!['string', 'number', 'integer', 'boolean', 'string[]'].includes(p.type))
        throw new Error(`contract: property ${name}.${prop} has unknown type ${String(p.type)}`);
    }
    events[name] = spec;
  }
  return {
    app: input.app,
    purpose: input.purpose,
    consent: input.consent ?? 'opt-out',
    identifiers: { machine: !!input.identifiers?.machine, project: !!input.identifiers?.project },
    context: input.context ?? [],
    events,
    pages: [...new Set(input.pages ?? [])],
    optOut: input.optOut ?? {},
    anonymize: input.anonymize,
    neverCollected: input.neverCollected ?? [],
  };
}

/** True when a value already is a normalised contract (as stored by the server). */
export function isContract(value: unknown): value is Contract {
  return !!value && typeof value === 'object' && 'events' in value && 'identifiers' in value;
}
