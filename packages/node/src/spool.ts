import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crypto } from './lazy.js';

/** Bounds of the on-disk spool: the oldest batches go first when one is exceeded. */
export const SPOOL_CAPS = { files: 50, bytes: 256 * 1024, ageMs: 7 * 86_400_000 };

/** Spooled batches, oldest first. */
export function spooled(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Keeps the spool within its caps (count, bytes, age). */
export function trimSpool(dir: string, now = Date.now()): void {
  const files = spooled(dir).map((f) => {
    try {
      const st = statSync(f);
      return { f, size: st.size, at: Number(/(\d+)-/.exec(f.slice(dir.length + 1))?.[1] ?? st.mtimeMs) };
    } catch {
      return { f, size: 0, at: 0 };
    }
  });
  let bytes = files.reduce((s, x) => s + x.size, 0);
  let count = files.length;
  for (const x of files) {
    if (now - x.at > SPOOL_CAPS.ageMs || count > SPOOL_CAPS.files || bytes > SPOOL_CAPS.bytes) {
      rmSync(x.f, { force: true });
      count--;
      bytes -= x.size;
    }
  }
}

/** Writes one batch body to the spool (synchronously: it runs at process exit). */
export function spool(dir: string, body: string, now = Date.now()): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${now}-${crypto().randomBytes(4).toString('hex')}.json`), body, { mode: 0o600 });
    trimSpool(dir, now);
    return true;
  } catch {
    return false;
  }
}

export function readSpooled(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Deletes the whole spool (telemetry was turned off: nothing left over may be sent). */
export function dropSpool(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
