export { type Decision, decide, type Source } from './consent.js';
export { createTelemetry } from './gate.js';
export { detectCi, systemContext } from './system.js';
export type { Telemetry, TelemetryOptions } from './telemetry.js';
