import { readConfig, writeConfig } from './config.js';
import { sentFileIn } from './paths.js';

const KEEP = 10;

/** The last payloads actually sent, kept locally so `telemetry status` can show them. */
export function recordSent(userDir: string, body: string): void {
  const file = sentFileIn(userDir);
  const prev = readConfig<{ sent?: Array<{ at: string; body: unknown }> }>(file);
  const sent = prev.ok ? (prev.value?.sent ?? []) : [];
  sent.push({ at: new Date().toISOString(), body: JSON.parse(body) });
  writeConfig(file, { sent: sent.slice(-KEEP) });
}

export function lastSent(userDir: string): Array<{ at: string; body: unknown }> {
  const r = readConfig<{ sent?: Array<{ at: string; body: unknown }> }>(sentFileIn(userDir));
  return r.ok ? (r.value?.sent ?? []) : [];
}
