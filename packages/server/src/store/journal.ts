import { mkdirSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventRow } from './types.js';

/** Where loading stopped: a segment number and a byte offset in it. */
export interface JournalPosition {
  segment: number;
  offset: number;
}

const NAME = /^(\d{10})\.log$/;
const fileOf = (dir: string, segment: number) => join(dir, `${String(segment).padStart(10, '0')}.log`);

/** One row as a compact JSON array (bigints as strings): one line of the journal. */
export function encodeRow(r: EventRow): string {
  return JSON.stringify([
    r.appId,
    r.ts,
    r.name,
    r.path,
    r.durationMs,
    String(r.visitor),
    String(r.visit),
    r.session === null ? null : String(r.session),
    r.os,
    r.osVersion,
    r.browser,
    r.device,
    r.arch,
    r.runtime,
    r.runtimeVersion,
    r.appVersion,
    r.locale,
    r.screen,
    r.ci,
    r.docker,
    r.machine,
    r.project,
    r.props,
  ]);
}

export function decodeRow(line: string): EventRow {
  const a = JSON.parse(line) as unknown[];
  const big = (v: unknown) => BigInt(v as string);
  return {
    appId: a[0] as number,
    ts: a[1] as number,
    name: a[2] as string,
    path: a[3] as string | null,
    durationMs: a[4] as number | null,
    visitor: big(a[5]),
    visit: big(a[6]),
    session: a[7] === null ? null : big(a[7]),
    os: a[8] as string | null,
    osVersion: a[9] as string | null,
    browser: a[10] as string | null,
    device: a[11] as string | null,
    arch: a[12] as string | null,
    runtime: a[13] as string | null,
    runtimeVersion: a[14] as string | null,
    appVersion: a[15] as string | null,
    locale: a[16] as string | null,
    screen: a[17] as string | null,
    ci: a[18] as boolean | null,
    docker: a[19] as boolean | null,
    machine: a[20] as string | null,
    project: a[21] as string | null,
    props: a[22] as string | null,
  };
}

interface Waiting {
  text: string;
  rows: EventRow[];
  resolve: (end: JournalPosition) => void;
  reject: (err: unknown) => void;
}

/**
 * The write-ahead journal in front of the event store: an append-only file of rows, one JSON line
 * each. `append` resolves once its rows are on disk (fdatasync); appends that arrive during a sync
 * share the next one (group commit), so many small requests cost one sync. The store loads the
 * journal in large chunks and records how far it got in the same transaction, so a crash at any
 * point replays exactly the rows that were acknowledged and not yet loaded.
 */
export class Journal {
  private handle: FileHandle | null = null;
  private segment = 1;
  private size = 0;
  private queue: Waiting[] = [];
  private syncing: Promise<void> | null = null;

  private constructor(private readonly dir: string) {}

  /** Opens the journal and returns the rows written after `from` (to be loaded before serving). */
  static async open(
    dir: string,
    from: JournalPosition,
  ): Promise<{ journal: Journal; pending: Array<{ row: EventRow; end: JournalPosition }> }> {
    mkdirSync(dir, { recursive: true });
    const journal = new Journal(dir);
    const pending: Array<{ row: EventRow; end: JournalPosition }> = [];
    const segments = journal.segments();
    for (const segment of segments) {
      if (segment < from.segment) continue;
      const path = fileOf(dir, segment);
      const bytes = readFileSync(path);
      // A torn last line (the process died mid-write) was never acknowledged: cut it off.
      const complete = bytes.lastIndexOf(0x0a) + 1;
      if (complete < bytes.length) truncateSync(path, complete);
      let offset = segment === from.segment ? from.offset : 0;
      while (offset < complete) {
        const nl = bytes.indexOf(0x0a, offset);
        const end = nl + 1;
        pending.push({
          row: decodeRow(bytes.subarray(offset, nl).toString('utf8')),
          end: { segment, offset: end },
        });
        offset = end;
      }
    }
    // New appends go to a fresh segment; old ones are removed once loaded (see `discardBefore`).
    journal.segment = Math.max(from.segment, ...segments, 0) + 1;
    journal.handle = await open(fileOf(dir, journal.segment), 'a');
    return { journal, pending };
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .map((f) => NAME.exec(f)?.[1])
      .filter((s): s is string => !!s)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Resolves with the position after these rows once they are durable. */
  append(rows: EventRow[]): Promise<JournalPosition> {
    let text = '';
    for (const r of rows) text += `${encodeRow(r)}\n`;
    return new Promise((resolve, reject) => {
      this.queue.push({ text, rows, resolve, reject });
      if (!this.syncing) this.syncing = this.syncLoop();
    });
  }

  private async syncLoop(): Promise<void> {
    while (this.queue.length) {
      const group = this.queue;
      this.queue = [];
      try {
        const handle = this.handle;
        if (!handle) throw new Error('journal is closed');
        const buffers = group.map((w) => Buffer.from(w.text, 'utf8'));
        const chunk = Buffer.concat(buffers);
        await handle.write(chunk, 0, chunk.length);
        await handle.datasync();
        let offset = this.size;
        this.size += chunk.length;
        group.forEach((w, i) => {
          offset += (buffers[i] as Buffer).length;
          w.resolve({ segment: this.segment, offset });
        });
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    this.syncing = null;
  }

  /** Starts a new segment, so everything up to now can be discarded once loaded. */
  async rotate(): Promise<void> {
    const next = await open(fileOf(this.dir, this.segment + 1), 'a');
    while (this.syncing) await this.syncing;
    // Swapped with no await in between, so no sync can see a half-rotated journal.
    const old = this.handle;
    this.handle = next;
    this.segment += 1;
    this.size = 0;
    await old?.close();
  }

  /** Removes segments entirely before `position` (they are in the store). */
  discardBefore(position: JournalPosition): void {
    for (const s of this.segments()) if (s < position.segment) rmSync(fileOf(this.dir, s), { force: true });
  }

  get current(): JournalPosition {
    return { segment: this.segment, offset: this.size };
  }

  async close(): Promise<void> {
    while (this.syncing) await this.syncing;
    await this.handle?.close();
    this.handle = null;
  }
}
