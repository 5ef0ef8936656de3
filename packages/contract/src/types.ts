/** How sensitive a property is. `pii` is dropped when the user anonymises; `identifier` only leaves
 * the process when the contract allows persistent identifiers. */
export type PrivacyClass = 'anonymous' | 'pii' | 'identifier';

export type PropType = 'string' | 'number' | 'integer' | 'boolean' | 'string[]';

export interface PropSpec {
  type: PropType;
  /** One line a non-developer understands: shown in the generated Usage information page. */
  description: string;
  privacy?: PrivacyClass;
  /** Strings (and each item of a string[]): maximum length in characters. Default 256. */
  maxLength?: number;
  /** string[]: maximum number of items. Default 50. */
  maxItems?: number;
  /** Numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** Strings: the only values allowed. */
  enum?: readonly string[];
  required?: boolean;
}

export interface EventSpec {
  description: string;
  /** When the event is sent, in words ("when the backend starts with `acme start`"). */
  when?: string;
  props?: Record<string, PropSpec>;
}

export interface OptOutSpec {
  /** Environment variable that turns collection off, e.g. `ACME_DISABLE_TELEMETRY=true`. */
  env?: string;
  /** CLI command that turns collection off, e.g. `acme telemetry --disable`. */
  command?: string;
  /** Feature flag that switches the collection off, e.g. `ACME_FF_ANALYTICS=false`. */
  featureFlag?: string;
  /** A path through the app's UI, e.g. ['Settings', 'General', 'Send anonymous usage statistics']. */
  settings?: string[];
  /** Whether DO_NOT_TRACK=1 is honoured (the Node SDK always does). */
  doNotTrack?: boolean;
}

export interface ContractInput {
  /** The product's display name, e.g. "Acme". */
  app: string;
  /** Why the data is collected, one paragraph. */
  purpose?: string;
  /** 'opt-out': on until disabled; 'opt-in': asks first, off until the user says yes. */
  consent?: 'opt-in' | 'opt-out';
  /** Persistent identifiers the app may send in the batch context. */
  identifiers?: { machine?: boolean; project?: boolean };
  /** Which context fields the app sends, for the Usage information page. */
  context?: Array<keyof ContextFields>;
  events?: Record<string, EventSpec>;
  /** The pages/screens the app has, so the dashboard can show those nobody visits. */
  pages?: string[];
  optOut?: OptOutSpec;
  /** How anonymisation works for this app, if it offers it (in words). */
  anonymize?: string;
  /** Things the app promises never to collect, in words (e.g. "file contents"). */
  neverCollected?: string[];
}

export interface Contract extends Required<Pick<ContractInput, 'app' | 'consent'>> {
  purpose?: string;
  identifiers: { machine: boolean; project: boolean };
  context: Array<keyof ContextFields>;
  /** Declared events plus the built-in pageview, pageleave and error. */
  events: Record<string, EventSpec>;
  pages: string[];
  optOut: OptOutSpec;
  anonymize?: string;
  neverCollected: string[];
}

/** The batch context an SDK sends once per request (see API.md). */
export interface ContextFields {
  session: string;
  machine: string;
  project: string;
  os: string;
  osVersion: string;
  arch: string;
  cpus: number;
  runtime: string;
  runtimeVersion: string;
  appVersion: string;
  locale: string;
  screen: string;
  ci: boolean;
  ciName: string;
  docker: boolean;
  wsl: boolean;
  sdk: string;
}
export type BatchContext = Partial<ContextFields>;

export type PropValue = string | number | boolean | string[];

/** One event as it travels on the wire. */
export interface WireEvent {
  name: string;
  ts?: number;
  path?: string;
  /** pageleave: milliseconds spent on the page. */
  duration?: number;
  props?: Record<string, PropValue>;
}

export interface Batch {
  app: string;
  context?: BatchContext;
  events: WireEvent[];
}
