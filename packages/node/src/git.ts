import { dirname, join, resolve } from 'node:path';
import { builtin, fs } from './lazy.js';

/**
 * What identifies a project, read from its git metadata without running git (no process, no
 * network): the normalised remote URL, else the repository's first commit, else null. Only ever
 * used as the input of a keyed hash; never sent.
 */
export interface GitProject {
  /** The repository's common git folder (where objects and config live). */
  gitDir: string;
  remote: string | null;
  /** The first commit, found by walking first parents from HEAD; null if that was not possible. */
  firstCommit: () => string | null;
}

/** The git folder of `dir` or of its nearest ancestor that has one. */
export function findGit(dir: string): GitProject | null {
  let cur = resolve(dir);
  for (let i = 0; i < 64; i++) {
    const dotGit = join(cur, '.git');
    const at = gitDirAt(dotGit);
    if (at) {
      const common = commonDir(at);
      return { gitDir: common, remote: gitRemote(common), firstCommit: () => firstCommit(at, common) };
    }
    const up = dirname(cur);
    if (up === cur) return null;
    cur = up;
  }
  return null;
}

function gitDirAt(dotGit: string): string | null {
  try {
    const st = fs().statSync(dotGit);
    if (st.isDirectory()) return dotGit;
    // a worktree or submodule: ".git" is a file saying where the git folder is
    const m = /^gitdir:\s*(.+)$/m.exec(fs().readFileSync(dotGit, 'utf8'));
    return m ? resolve(dirname(dotGit), (m[1] as string).trim()) : null;
  } catch {
    return null;
  }
}

function commonDir(gitDir: string): string {
  try {
    return resolve(gitDir, fs().readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** The URL of `origin` (else of the first remote), normalised so that https and ssh clones of one
 * repository give the same text: host/path, lower case, no credentials, no `.git`. */
export function gitRemote(gitDir: string): string | null {
  let config: string;
  try {
    config = fs().readFileSync(join(gitDir, 'config'), 'utf8');
  } catch {
    return null;
  }
  const remotes = [...config.matchAll(/\[remote "([^"]+)"\]([^[]*)/g)].map((m) => ({
    name: m[1],
    url: /^\s*url\s*=\s*(\S+)/m.exec(m[2] as string)?.[1],
  }));
  const url = (remotes.find((r) => r.name === 'origin' && r.url) ?? remotes.find((r) => r.url))?.url;
  return url ? normaliseRemote(url) : null;
}

export function normaliseRemote(url: string): string {
  return url
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\/([^@/]+@)?/i, '') // scheme and credentials
    .replace(/^[^@/]+@([^:/]+):/, '$1/') // scp-like ssh: git@host:path
    .replace(/^([^/:]+):\d+\//, '$1/') // a port
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();
}

// ---- the first commit: read git's objects directly (loose and packed, with deltas) -------------

const MAX_COMMITS = 5000;
const MAX_MS = 100;

function readRef(gitDir: string, common: string, ref: string): string | null {
  for (const dir of [gitDir, common]) {
    try {
      const text = fs().readFileSync(join(dir, ref), 'utf8').trim();
      if (text.startsWith('ref:')) return readRef(gitDir, common, text.slice(4).trim());
      if (/^[0-9a-f]{40}$/.test(text)) return text;
    } catch {
      // try the next place
    }
  }
  try {
    const packed = fs().readFileSync(join(common, 'packed-refs'), 'utf8');
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
    }
  } catch {
    // no packed refs
  }
  return null;
}

/** Walks first parents from HEAD to the root commit. Bounded: null past 5000 commits or `budgetMs`. */
export function firstCommit(gitDir: string, common = gitDir, budgetMs = MAX_MS): string | null {
  try {
    let sha = readRef(gitDir, common, 'HEAD');
    if (!sha) return null;
    const store = new ObjectStore(join(common, 'objects'));
    const graph = CommitGraph.open(join(common, 'objects', 'info', 'commit-graph'));
    const until = Date.now() + budgetMs;
    try {
      for (let i = 0; i < MAX_COMMITS && Date.now() < until; i++) {
        // git gc writes a commit-graph: from a commit it holds, the rest of the walk is a lookup
        const root = graph?.root(sha);
        if (root) return root;
        const commit = store.read(sha);
        if (commit?.type !== 'commit') return null;
        const parent = /^parent ([0-9a-f]{40})$/m.exec(commit.data.toString('latin1'))?.[1];
        if (!parent) return sha;
        sha = parent;
      }
      return null;
    } finally {
      store.close();
    }
  } catch {
    return null;
  }
}

/** git's commit-graph file (objects/info/commit-graph): every commit's parents by position. */
class CommitGraph {
  private constructor(
    private readonly buf: Buffer,
    private readonly fanout: number,
    private readonly oids: number,
    private readonly data: number,
  ) {}

  static open(file: string): CommitGraph | null {
    try {
      const buf = fs().readFileSync(file);
      if (buf.toString('latin1', 0, 4) !== 'CGPH' || buf[4] !== 1 || buf[5] !== 1) return null;
      const chunks = new Map<string, number>();
      for (let i = 0; i < (buf[6] as number); i++) {
        const at = 8 + i * 12;
        chunks.set(buf.toString('latin1', at, at + 4), Number(buf.readBigUInt64BE(at + 4)));
      }
      const [f, o, d] = [chunks.get('OIDF'), chunks.get('OIDL'), chunks.get('CDAT')];
      return f === undefined || o === undefined || d === undefined ? null : new CommitGraph(buf, f, o, d);
    } catch {
      return null;
    }
  }

  private position(sha: string): number | null {
    const want = Buffer.from(sha, 'hex');
    const first = want[0] as number;
    let lo = first === 0 ? 0 : this.buf.readUInt32BE(this.fanout + (first - 1) * 4);
    let hi = this.buf.readUInt32BE(this.fanout + first * 4);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = want.compare(this.buf, this.oids + mid * 20, this.oids + mid * 20 + 20);
      if (cmp === 0) return mid;
      if (cmp < 0) hi = mid;
      else lo = mid + 1;
    }
    return null;
  }

  /** The root reached by first parents from `sha`; null when `sha` is not in the graph. */
  root(sha: string): string | null {
    let pos = this.position(sha);
    if (pos === null) return null;
    const count = this.buf.readUInt32BE(this.fanout + 255 * 4);
    for (let i = 0; i <= count; i++) {
      const parent = this.buf.readUInt32BE(this.data + pos * 36 + 20);
      if (parent === 0x70000000)
        return this.buf.toString('hex', this.oids + pos * 20, this.oids + pos * 20 + 20);
      if (parent >= count) return null;
      pos = parent;
    }
    return null;
  }
}

const TYPES = ['', 'commit', 'tree', 'blob', 'tag', '', 'ofs-delta', 'ref-delta'];

interface GitObject {
  type: string;
  data: Buffer;
}

interface Pack {
  idx: Buffer;
  path: string;
  fd: number | null;
}

class ObjectStore {
  private packs: Pack[] | null = null;
  private get zlib() {
    return builtin<typeof import('node:zlib')>('node:zlib');
  }

  constructor(private readonly dir: string) {}

  read(sha: string, depth = 0): GitObject | null {
    if (depth > 50) return null;
    return this.loose(sha) ?? this.packed(sha, depth);
  }

  close(): void {
    for (const p of this.packs ?? []) if (p.fd !== null) fs().closeSync(p.fd);
  }

  private loose(sha: string): GitObject | null {
    let raw: Buffer;
    try {
      raw = this.zlib.inflateSync(fs().readFileSync(join(this.dir, sha.slice(0, 2), sha.slice(2))));
    } catch {
      return null;
    }
    const nul = raw.indexOf(0);
    return { type: raw.subarray(0, raw.indexOf(32)).toString(), data: raw.subarray(nul + 1) };
  }

  private packed(sha: string, depth: number): GitObject | null {
    this.packs ??= this.loadPacks();
    const want = Buffer.from(sha, 'hex');
    for (const pack of this.packs) {
      const offset = findOffset(pack.idx, want);
      if (offset !== null) return this.fromPack(pack, offset, depth);
    }
    return null;
  }

  private loadPacks(): Pack[] {
    const dir = join(this.dir, 'pack');
    let names: string[] = [];
    try {
      names = fs()
        .readdirSync(dir)
        .filter((n) => n.endsWith('.idx'));
    } catch {
      return [];
    }
    return names.flatMap((n) => {
      try {
        const idx = fs().readFileSync(join(dir, n));
        // version 2 index only (git's default since 1.5.2)
        if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) return [];
        return [{ idx, path: join(dir, n.replace(/\.idx$/, '.pack')), fd: null }];
      } catch {
        return [];
      }
    });
  }

  private bytes(pack: Pack, offset: number, length: number): Buffer {
    pack.fd ??= fs().openSync(pack.path, 'r');
    const buf = Buffer.alloc(length);
    const n = fs().readSync(pack.fd, buf, 0, length, offset);
    return buf.subarray(0, n);
  }

  /** Objects already read, by pack and offset: consecutive commits are often deltas of each other. */
  private readonly recent = new Map<string, GitObject>();

  private fromPack(pack: Pack, offset: number, depth: number): GitObject | null {
    const key = `${pack.path}:${offset}`;
    const known = this.recent.get(key);
    if (known) return known;
    const found = this.unpack(pack, offset, depth);
    if (found) {
      if (this.recent.size >= 64) this.recent.delete(this.recent.keys().next().value as string);
      this.recent.set(key, found);
    }
    return found;
  }

  private unpack(pack: Pack, offset: number, depth: number): GitObject | null {
    let window = 4096;
    for (;;) {
      const buf = this.bytes(pack, offset, window);
      let pos = 0;
      let b = buf[pos++] as number;
      const type = TYPES[(b >> 4) & 7] as string;
      let size = b & 15;
      let shift = 4;
      while (b & 0x80) {
        b = buf[pos++] as number;
        size += (b & 0x7f) * 2 ** shift;
        shift += 7;
      }
      let base: GitObject | null = null;
      if (type === 'ofs-delta') {
        b = buf[pos++] as number;
        let back = b & 0x7f;
        while (b & 0x80) {
          b = buf[pos++] as number;
          back = (back + 1) * 128 + (b & 0x7f);
        }
        base = this.fromPack(pack, offset - back, depth + 1);
      } else if (type === 'ref-delta') {
        base = this.read(buf.subarray(pos, pos + 20).toString('hex'), depth + 1);
        pos += 20;
      }
      let data: Buffer;
      try {
        data = this.zlib.inflateSync(buf.subarray(pos));
      } catch {
        if (buf.length < window || window > 64 * 1024 * 1024) return null;
        window *= 8; // the object is larger than the window: read more
        continue;
      }
      if (data.length !== size) return null;
      if (type === 'ofs-delta' || type === 'ref-delta')
        return base ? { type: base.type, data: applyDelta(base.data, data) } : null;
      return { type, data };
    }
  }
}

function findOffset(idx: Buffer, sha: Buffer): number | null {
  const first = sha[0] as number;
  const count = idx.readUInt32BE(8 + 255 * 4);
  let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
  let hi = idx.readUInt32BE(8 + first * 4);
  const shas = 8 + 256 * 4;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = idx.compare(sha, 0, 20, shas + mid * 20, shas + mid * 20 + 20) * -1;
    if (cmp === 0) {
      const offsets = shas + count * 24;
      const off = idx.readUInt32BE(offsets + mid * 4);
      if (!(off & 0x80000000)) return off;
      const large = offsets + count * 4 + (off & 0x7fffffff) * 8;
      return idx.readUInt32BE(large) * 2 ** 32 + idx.readUInt32BE(large + 4);
    }
    if (cmp < 0) hi = mid;
    else lo = mid + 1;
  }
  return null;
}

/** git's delta format: source and target sizes, then copy-from-base and insert instructions. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let pos = 0;
  const varint = () => {
    let n = 0;
    let shift = 0;
    let b: number;
    do {
      b = delta[pos++] as number;
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return n;
  };
  varint(); // source size
  const out = Buffer.alloc(varint());
  let at = 0;
  while (pos < delta.length) {
    const op = delta[pos++] as number;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) off += (delta[pos++] as number) * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) len += (delta[pos++] as number) << (8 * i);
      if (len === 0) len = 0x10000;
      base.copy(out, at, off, off + len);
      at += len;
    } else if (op) {
      delta.copy(out, at, pos, pos + op);
      at += op;
      pos += op;
    } else throw new Error('bad delta');
  }
  return out;
}
