import { createRequire } from 'node:module';

/**
 * Node built-ins, loaded on first use and never through an ESM `import` of the built-in: an ESM
 * import of `node:fs` reads every export of fs, which loads the whole streams stack (~5 ms on a
 * small machine) before the host's first line runs. With telemetry off only fs (to read two small
 * config files) is ever loaded; http, https, crypto, os and child_process only when on.
 */
const load: (id: string) => unknown =
  (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.bind(process) ??
  createRequire(process.execPath); // any absolute path will do: only built-ins are loaded

export const builtin = <T>(id: string) => load(id) as T;
export const fs = () => builtin<typeof import('node:fs')>('node:fs');
export const os = () => builtin<typeof import('node:os')>('node:os');
export const crypto = () => builtin<typeof import('node:crypto')>('node:crypto');
