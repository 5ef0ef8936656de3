import { createRequire } from 'node:module';

/**
 * Node built-ins loaded on first use. Loading a module costs milliseconds a CLI pays on every run;
 * with telemetry off, http, https, crypto and child_process are never loaded at all.
 */
export const builtin = createRequire(import.meta.url) as <T = unknown>(id: string) => T;
export const crypto = () => builtin<typeof import('node:crypto')>('node:crypto');
