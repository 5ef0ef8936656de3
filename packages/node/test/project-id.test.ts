import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findGit, firstCommit, normaliseRemote } from '../src/git.js';
import { hmacSha256Hex } from '../src/hash.js';
import { projectId } from '../src/ids.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tally-git-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd },
  }).trim();

/** A repository with `n` commits with long, similar messages (so packing stores commits as deltas). */
function repo(n: number): { dir: string; root: string } {
  const dir = temp();
  git(dir, 'init', '-q', '-b', 'main');
  let text = 'x'.repeat(4000);
  for (let i = 0; i < n; i++) {
    text += `line ${i}\n`;
    writeFileSync(join(dir, 'file.txt'), text);
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', `commit ${i}\n\n${'release notes '.repeat(300)}`);
  }
  return { dir, root: git(dir, 'rev-list', '--max-parents=0', 'HEAD') };
}

describe('the keyed hash behind project ids', () => {
  it('is HMAC-SHA-256: the same as node:crypto for every length around the block size', () => {
    for (const keyLen of [0, 1, 32, 64, 65, 200])
      for (const msgLen of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
        const key = 'k'.repeat(keyLen);
        const msg = 'é'.repeat(msgLen);
        expect(hmacSha256Hex(key, msg)).toBe(createHmac('sha256', key).update(msg).digest('hex'));
      }
  });
});

describe('the project a directory belongs to, read from git without running git', () => {
  it('normalises https, ssh, scp-like and credentialed remotes of one repository to one text', () => {
    const forms = [
      'https://github.com/Acme/Store.git',
      'https://user:token@github.com/acme/store',
      'git@github.com:acme/store.git',
      'ssh://git@github.com:22/acme/store.git',
      'git+ssh://git@github.com/acme/store/',
    ];
    expect(new Set(forms.map(normaliseRemote))).toEqual(new Set(['github.com/acme/store']));
  });

  it('finds the first commit of loose, packed (with deltas) and commit-graph repositories', () => {
    const { dir, root } = repo(30);
    const found = () => firstCommit(join(dir, '.git'), join(dir, '.git'), 10_000); // correctness, not speed
    expect(found()).toBe(root);
    git(dir, 'repack', '-adf', '-q', '--depth=50', '--window=50'); // everything packed, as deltas
    git(dir, 'prune-packed');
    const packDir = join(dir, '.git', 'objects', 'pack');
    const idx = readdirSync(packDir).find((f) => f.endsWith('.idx')) as string;
    const pack = git(dir, 'verify-pack', '-v', join(packDir, idx));
    const deltaCommits = pack
      .split('\n')
      .filter((l) => / commit /.test(l) && l.trim().split(/\s+/).length === 7);
    expect(deltaCommits.length).toBeGreaterThan(10);
    expect(found()).toBe(root);
    git(dir, 'commit-graph', 'write', '--reachable');
    expect(found()).toBe(root);
  });

  it('finds the repository from a subfolder and from a linked worktree', () => {
    const { dir, root } = repo(3);
    const sub = join(dir, 'packages', 'a');
    execFileSync('mkdir', ['-p', sub]);
    expect(findGit(sub)?.firstCommit()).toBe(root);
    const wt = join(temp(), 'wt');
    git(dir, 'worktree', 'add', '-q', wt);
    expect(findGit(wt)?.firstCommit()).toBe(root);
  });

  it('the project id: from the remote, else the first commit, else the folder; the salt changes it', () => {
    const salt = 'a'.repeat(64);
    const { dir } = repo(2);
    const clone = join(temp(), 'clone');
    git(dir, 'clone', '-q', dir, clone); // a clone has the same first commit but a remote
    const noRemote = projectId(dir, salt);
    expect(noRemote.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(noRemote.cache).toBeDefined(); // the history walk is done once per project
    expect(projectId(dir, salt, noRemote.cache)).toEqual({ id: noRemote.id });
    git(clone, 'remote', 'remove', 'origin');
    expect(projectId(clone, salt).id).toBe(noRemote.id); // same first commit, same project
    git(clone, 'remote', 'add', 'origin', 'git@github.com:acme/store.git');
    const byRemote = projectId(clone, salt).id;
    expect(byRemote).not.toBe(noRemote.id);
    expect(projectId(clone, 'b'.repeat(64)).id).not.toBe(byRemote);
    const plain = temp();
    expect(projectId(plain, salt).id).not.toBe(projectId(temp(), salt).id);
    expect(JSON.stringify(projectId(clone, salt))).not.toContain('acme');
  });
});
