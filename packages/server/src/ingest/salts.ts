import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const DAY = 86_400_000;
const dayOf = (ms: number) => Math.floor(ms / DAY);

/** A saved salt: 32 random bytes as hex, under its day number. */
const SALT = /^[0-9a-f]{64}$/;

/**
 * The salts saved in `file`. A file that cannot be read as such (damaged on disk) stops no start:
 * the salts are new ones then, which splits the visits in progress at the restart and changes
 * nothing else (a salt lives two days at most anyway). The log says so.
 */
function readSalts(file: string): Map<number, Buffer> {
  const salts = new Map<number, Buffer>();
  try {
    const saved: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw new Error('not an object');
    for (const [day, hex] of Object.entries(saved)) {
      if (!/^\d+$/.test(day) || typeof hex !== 'string' || !SALT.test(hex))
        throw new Error(`bad entry ${day}`);
      salts.set(Number(day), Buffer.from(hex, 'hex'));
    }
    return salts;
  } catch (err) {
    console.error(`tally: ${file} could not be read (${(err as Error).message}); new salts from now on`);
    return new Map();
  }
}

/**
 * Daily visitor salts: a random secret per UTC day, kept while that day and the next one last
 * (so visits crossing midnight continue), then destroyed: the file is rewritten without it, so
 * nobody, the operator included, can recompute an old visitor hash from an address.
 */
export class Salts {
  private salts = new Map<number, Buffer>();
  /** The file lags the salts in memory (a save failed: a full disk): saved again from this time on. */
  private retryAt: number | null = null;
  /** The answer for the day asked last (asked on every request; it changes once a day). */
  private last: { day: number; salts: ReturnType<Salts['current']> } | null = null;
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'salts.json');
    if (existsSync(this.file)) this.salts = readSalts(this.file);
  }

  /**
   * The salts for `now`: today's (created if needed), yesterday's if it still exists, and when
   * today's took over (00:00 UTC).
   */
  current(now: number): { today: Buffer; yesterday: Buffer | null; todayFrom: number } {
    const day = dayOf(now);
    if (this.last?.day === day) {
      if (this.retryAt !== null && now >= this.retryAt) this.save(now);
      return this.last.salts;
    }
    let changed = false;
    for (const d of this.salts.keys()) {
      if (d < day - 1) {
        this.salts.delete(d);
        changed = true;
      }
    }
    let today = this.salts.get(day);
    if (!today) {
      today = randomBytes(32);
      this.salts.set(day, today);
      changed = true;
    }
    if (changed) this.save(now);
    const salts = { today, yesterday: this.salts.get(day - 1) ?? null, todayFrom: day * DAY };
    this.last = { day, salts };
    return salts;
  }

  /**
   * Writes the salts (a new file in place of the old, never a half-written one). A failure (a full
   * disk) stops no request: the salts work from memory, the save is tried again 10 seconds later (not
   * on every request: these are synchronous writes), and meanwhile only a restart would lose today's
   * salt (visits would split at it, nothing more).
   * A salt due for destruction leaves memory at once, and the file with the next save that succeeds.
   */
  private save(now: number): void {
    const out: Record<string, string> = {};
    for (const [d, s] of this.salts) out[d] = s.toString('hex');
    const tmp = `${this.file}.tmp`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify(out));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      if (this.retryAt !== null) console.error('tally: the visitor salts are saved again');
      this.retryAt = null;
    } catch (err) {
      if (this.retryAt === null)
        console.error('tally: could not save the visitor salts (kept in memory, retried):', err);
      this.retryAt = now + 10_000;
    }
  }
}
