import { join } from 'node:path';
import { readConfig, writeConfig } from './config.js';

const KEEP = 10;

/** The last payloads actually sent, kept locally so `telemetry status` can show them. */
export function recordSent(userDir: string, body: string): void {
  const file = join(userDir, 'sent.json');
  const prev = readConfig<{ sent?: Array<{ at: string; body: unknown }> }>(file);
  const sent = prev.ok ? (prev.value?.sent ?? []) : [];
  sent.push({ at: new Date().toISOString(), body: JSON.parse(body) });
  writeConfig(file, { sent: sent.slice(-KEEP) });
}

export function lastSent(userDir: string): Array<{ at: string; body: unknown }> {
  const r = readConfig<{ sent?: Array<{ at: string; body: unknown }> }>(join(userDir, 'sent.json'));
  return r.ok ? (r.value?.sent ?? []) : [];
}
