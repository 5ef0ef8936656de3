export { type Decision, decide, type Source } from './consent.js';
export { detectCi, systemContext } from './system.js';
export { createTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.js';
