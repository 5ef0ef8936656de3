import { join } from 'node:path';
import { fs } from './lazy.js';

/**
 * The on-disk spool: batches that could not be sent yet, one file each, named
 * `<ms>-<pid>-<n>-<bytes>.json` so that names sort oldest first and say their size. A sender claims
 * a file by renaming it to `<name>.<pid>` (only one process wins a rename), so two senders never
 * deliver the same batch.
 */
export const SPOOL_CAPS = { files: 50, bytes: 256 * 1024, ageMs: 7 * 86_400_000 };

/** A claim older than this belongs to a sender that died: the batch goes back to the spool. */
const CLAIM_STALE_MS = 60_000;
const STATE = 'sender.state';
let seq = 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A file untouched for CLAIM_STALE_MS: its writer or claimer is gone. Throws when the file is. */
const stale = (file: string, now: number) => now - fs().statSync(file).mtimeMs > CLAIM_STALE_MS;

/** Spooled batches, oldest first (claims left by dead senders are put back first). */
export function spooled(dir: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = fs().readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    if (name.endsWith('.json')) {
      out.push(name);
      continue;
    }
    const path = join(dir, name);
    try {
      if (name.endsWith('.json.tmp')) {
        if (stale(path, now)) fs().rmSync(path, { force: true }); // a write a crash cut short
        continue;
      }
      const claim = /^(.+\.json)\.(\d+)$/.exec(name);
      if (claim && (stale(path, now) || !alive(Number(claim[2])))) {
        fs().renameSync(path, join(dir, claim[1] as string));
        out.push(claim[1] as string);
      }
    } catch {
      // gone, or another process got there first
    }
  }
  return out.sort().map((f) => join(dir, f));
}

/** Claims a spooled batch for this process; null when another process has it. */
export function claim(file: string): string | null {
  const claimed = `${file}.${process.pid}`;
  try {
    fs().renameSync(file, claimed);
    const now = new Date();
    fs().utimesSync(claimed, now, now);
    return claimed;
  } catch {
    return null;
  }
}

/** Gives a claimed batch back to the spool (it could not be delivered now). */
export function release(claimed: string): void {
  try {
    fs().renameSync(claimed, claimed.replace(/\.\d+$/, ''));
  } catch {
    // gone: nothing to give back
  }
}

/** A batch's size, from its name when it has one (`<ms>-<pid>-<n>-<bytes>.json`: no stat at exit). */
function sizeOf(file: string): number {
  const named = /-\d+-\d+-(\d+)\.json$/.exec(file);
  if (named) return Number(named[1]);
  try {
    return fs().statSync(file).size;
  } catch {
    return 0;
  }
}

/** Keeps the spool within its caps (count, bytes, age): the oldest batches go first. */
export function trimSpool(dir: string, now = Date.now()): void {
  const files = spooled(dir, now).map((f) => ({
    f,
    size: sizeOf(f),
    at: Number(/(\d+)-[^/\\]*$/.exec(f)?.[1] ?? 0),
  }));
  let bytes = files.reduce((s, x) => s + x.size, 0);
  let count = files.length;
  for (const x of files) {
    if (now - x.at <= SPOOL_CAPS.ageMs && count <= SPOOL_CAPS.files && bytes <= SPOOL_CAPS.bytes) continue;
    fs().rmSync(x.f, { force: true });
    count--;
    bytes -= x.size;
  }
}

/** Writes one batch to the spool, synchronously (it runs at process exit), then trims the spool. */
export function spool(dir: string, body: string, now = Date.now()): boolean {
  try {
    fs().mkdirSync(dir, { recursive: true, mode: 0o700 });
    const name = join(dir, `${now}-${process.pid}-${seq++}-${Buffer.byteLength(body)}.json`);
    // Written under another name, then renamed: a sender never reads a batch half-written.
    fs().writeFileSync(`${name}.tmp`, body, { mode: 0o600 });
    fs().renameSync(`${name}.tmp`, name);
    trimSpool(dir, now);
    return true;
  } catch {
    return false;
  }
}

export function readSpooled(file: string): string | null {
  try {
    return fs().readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Deletes the whole spool (telemetry was turned off: nothing left over may be sent). */
export function dropSpool(dir: string): void {
  try {
    if (fs().existsSync(dir)) fs().rmSync(dir, { recursive: true, force: true });
  } catch {
    // never hurt the host
  }
}

/**
 * The detached sender's state: `{pid, until}` while one runs (until its hard deadline), `{until}`
 * after the collector failed (back off: no new sender until then). No state: a sender may start.
 */
export interface SenderState {
  until: number;
  pid?: number;
}

export function senderState(dir: string): SenderState | null {
  try {
    const s = JSON.parse(fs().readFileSync(join(dir, STATE), 'utf8')) as SenderState;
    return typeof s.until === 'number' ? s : null;
  } catch {
    return null;
  }
}

const atWork = (s: SenderState | null, now: number) => s?.pid !== undefined && now < s.until && alive(s.pid);

/** Whether a new sender should wait: one is running, or the collector failed a moment ago. */
export function senderBusy(dir: string, now = Date.now()): boolean {
  const s = senderState(dir);
  return s?.pid === undefined ? !!s && now < s.until : atWork(s, now);
}

/** Whether a detached sender is running now (not merely a back-off left by a failed one). */
export const senderAtWork = (dir: string, now = Date.now()) => atWork(senderState(dir), now);

/** The collector took a batch: a back-off (or the state of a sender that is gone) no longer holds. */
export function liftBackoff(dir: string, now = Date.now()): void {
  const s = senderState(dir);
  if (s && !atWork(s, now)) setSenderState(dir, null);
}

export function setSenderState(dir: string, state: SenderState | null): void {
  try {
    if (state) {
      // atomically: a reader never sees a half-written state
      const tmp = join(dir, `${STATE}.${process.pid}.tmp`);
      fs().writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
      fs().renameSync(tmp, join(dir, STATE));
    } else fs().rmSync(join(dir, STATE), { force: true });
  } catch {
    // never hurt the host
  }
}
