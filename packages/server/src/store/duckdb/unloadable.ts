import { isUtf8 } from 'node:buffer';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { toWellFormed } from '../../well-formed.js';
import { writeDurably } from '../durable.js';
import type { PendingFile } from '../journal.js';
import { rowProblem } from './load.js';

/** Lines read between two turns of the event loop (about 20 ms of work). */
const LINES_PER_SLICE = 5_000;

/** What `mendSegment` did to a segment's lines. */
export interface Mended {
  /** Lines rewritten so that they load: invalid UTF-8 or a lone surrogate became U+FFFD, or a row
   * spelled otherwise than the journal spells one (`1.0` for 1, say) was spelled as it does. */
  mended: number;
  /** Lines that cannot be read as a row at all, moved to the set-aside file, with why. */
  setAside: string[];
}

/**
 * The line as the journal writes such a row: JSON.stringify of its fields, with U+FFFD for invalid
 * UTF-8 and lone surrogates (and numbers and escapes spelled as JSON.stringify spells them, so
 * DuckDB reads them as it reads every other line). Null text, and why, when it is no row at all.
 */
function mendLine(line: Buffer): { text: string | null; problem: string | null } {
  let fields: unknown;
  try {
    fields = JSON.parse(line.toString('utf8')); // invalid UTF-8 decodes as U+FFFD
  } catch {
    return { text: null, problem: 'not JSON' };
  }
  if (Array.isArray(fields)) fields = fields.map((v) => (typeof v === 'string' ? toWellFormed(v) : v));
  const problem = rowProblem(fields);
  return problem ? { text: null, problem } : { text: JSON.stringify(fields), problem: null };
}

/**
 * Makes a sealed journal segment loadable after DuckDB refused it: one line it cannot read (a flipped
 * bit, an older build's mistake) would otherwise fail this load, every load after it and every
 * restart, and every query would answer 503 for good. A line that is a row but for invalid UTF-8 or
 * a lone surrogate is rewritten with U+FFFD in their place, as the journal writes such text today.
 * A line that is no row at all is moved, byte for byte, to `<setAsideDir>/<segment>.log`, for the
 * operator to look at (it holds what the journal holds: hashes, never an address).
 *
 * The lines before `skipLines` are in the store already and stay as they are. The set-aside file is
 * written durably before the segment is replaced, so a crash in between loses nothing; it is
 * rewritten whole each time, so doing this twice leaves one copy.
 */
export async function mendSegment(file: PendingFile, setAsideDir: string): Promise<Mended> {
  const bytes = await readFile(file.path);
  const kept: Buffer[] = [];
  const setAside: Buffer[] = [];
  const result: Mended = { mended: 0, setAside: [] };
  let index = 0;
  for (let start = 0; start < bytes.length; index++) {
    // A few µs a line on the request thread: a long segment (a store down for a while under load)
    // is read in slices, with requests served in between.
    if (index % LINES_PER_SLICE === LINES_PER_SLICE - 1) await new Promise(setImmediate);
    const end = bytes.indexOf(0x0a, start);
    const line = bytes.subarray(start, end === -1 ? bytes.length : end);
    start = end === -1 ? bytes.length : end + 1;
    if (index < file.skipLines) {
      kept.push(line);
      continue;
    }
    const { text, problem } = mendLine(line);
    if (text !== null && isUtf8(line) && line.equals(Buffer.from(text, 'utf8'))) kept.push(line);
    else if (text !== null) {
      kept.push(Buffer.from(text, 'utf8'));
      result.mended++;
    } else {
      setAside.push(line);
      result.setAside.push(problem ?? 'unreadable');
    }
  }
  if (result.mended === 0 && setAside.length === 0) return result;
  const lines = (list: Buffer[]) => Buffer.concat(list.flatMap((l) => [l, Buffer.from('\n')]));
  if (setAside.length) {
    await mkdir(setAsideDir, { recursive: true });
    await writeDurably(join(setAsideDir, basename(file.path)), lines(setAside));
  }
  await writeDurably(file.path, lines(kept));
  return result;
}

/**
 * Erasure reaches lines set aside too: those of app `appId` (a line that starts `[<appId>,`) go,
 * whatever was asked to be erased of the app, since such a line cannot be read well enough to tell
 * its visitor, machine or time. A line too damaged to show its app stays.
 */
export async function eraseSetAside(setAsideDir: string, appId: number): Promise<void> {
  const names = await readdir(setAsideDir).catch(() => [] as string[]);
  const prefix = `[${appId},`;
  for (const name of names.filter((n) => n.endsWith('.log'))) {
    const path = join(setAsideDir, name);
    // latin1: one character a byte, so damaged bytes are written back as they were
    const lines = (await readFile(path)).toString('latin1').split('\n').filter(Boolean);
    const left = lines.filter((l) => !l.startsWith(prefix));
    if (left.length === lines.length) continue;
    if (left.length === 0) await rm(path, { force: true });
    else await writeDurably(path, Buffer.from(`${left.join('\n')}\n`, 'latin1'));
  }
}
