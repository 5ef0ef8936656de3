// The core's own bundle (dist/tally-node-core.cjs): what the gate loads once telemetry is on.
export { createCore } from './telemetry.js';
