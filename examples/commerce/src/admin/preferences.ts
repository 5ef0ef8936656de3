import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Usage-insights preferences, kept per admin user by the backend (as Medusa does). */
export interface Preferences {
  answered: boolean;
  optOut: boolean;
  anonymize: boolean;
}

const file = (projectDir: string) => join(projectDir, '.acme', 'preferences.json');

function all(projectDir: string): Record<string, Preferences> {
  try {
    return JSON.parse(readFileSync(file(projectDir), 'utf8'));
  } catch {
    return {};
  }
}

export function readPreferences(projectDir: string, userId: string): Preferences | null {
  return all(projectDir)[userId] ?? null;
}

export function writePreferences(projectDir: string, userId: string, prefs: Preferences): void {
  const next = { ...all(projectDir), [userId]: prefs };
  mkdirSync(join(projectDir, '.acme'), { recursive: true });
  writeFileSync(`${file(projectDir)}.tmp`, JSON.stringify(next, null, 2));
  renameSync(`${file(projectDir)}.tmp`, file(projectDir));
}
