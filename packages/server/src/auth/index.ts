import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import { HttpError } from '../http/errors.js';
import type { Authenticator, Principal } from '../http/router.js';
import { serial } from '../store/serial.js';
import type { MetaStore, Role } from '../store/types.js';
import { hashPassword, MIN_PASSWORD, verifyPassword } from './passwords.js';
import { AUTH_DDL } from './schema.js';
import { digest, newSecret } from './tokens.js';

export const SESSION_COOKIE = 'tally_session';
const SESSION_MS = 30 * 86_400_000;
const SETUP_KEY = 'setup_token_hash';

export interface User {
  id: number;
  email: string;
  role: Role;
  createdAt: number;
}

interface UserRow {
  id: number;
  email: string;
  role: Role;
  password_hash: string;
  created_at: bigint;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  role: r.role,
  createdAt: Number(r.created_at),
});

function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : null;
}

export function checkEmail(email: unknown): string {
  if (typeof email !== 'string' || email.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(email))
    throw new HttpError(400, 'email must be an email address');
  return email.trim().toLowerCase();
}

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > 1024)
    throw new HttpError(400, `password must be ${MIN_PASSWORD} to 1024 characters`);
  return password;
}

export function checkRole(role: unknown): Role {
  if (role !== 'owner' && role !== 'viewer') throw new HttpError(400, 'role must be owner or viewer');
  return role;
}

/**
 * Users, sessions (cookie + CSRF token), API tokens and share links. Every secret is random and
 * stored only as its SHA-256; passwords with scrypt.
 */
export class Auth implements Authenticator {
  /**
   * Account changes one at a time: each checks, then writes, across awaits (scrypt alone takes tens
   * of ms), so two at once could both pass the check. Measured: the setup link used twice at the
   * same moment made two owners.
   */
  private readonly accounts = serial();

  constructor(
    private readonly meta: MetaStore,
    private readonly config: Config,
    private readonly now: () => number = Date.now,
  ) {}

  async bootstrap(): Promise<{ setupPath?: string }> {
    await this.meta.run(AUTH_DDL);
    if ((await this.users()).length) return {};
    if (this.config.adminEmail && this.config.adminPassword) {
      await this.createUser(this.config.adminEmail, this.config.adminPassword, 'owner');
      return {};
    }
    const token = newSecret('setup');
    await this.meta.setSetting(SETUP_KEY, digest(token));
    return { setupPath: `/setup/${token}` };
  }

  async principal(req: IncomingMessage): Promise<Principal | null> {
    const fromCookie = cookie(req, SESSION_COOKIE);
    if (fromCookie) {
      const s = await this.session(fromCookie);
      if (s) return { kind: 'session', ...s };
    }
    const token = bearer(req);
    if (token) {
      const t = (await this.apiToken(token)) ?? (await this.session(token));
      if (t) return { kind: 'token', role: t.role, userId: t.userId, email: t.email };
      return null;
    }
    const share =
      req.headers['x-tally-share'] ?? new URL(req.url ?? '/', 'http://x').searchParams.get('share');
    if (typeof share === 'string' && share) {
      const [row] = await this.meta.all<{ app_id: number }>(
        'SELECT app_id FROM shares WHERE token_hash = $1',
        [digest(share)],
      );
      if (row) return { kind: 'share', role: 'viewer', appId: row.app_id };
    }
    return null;
  }

  private async session(token: string) {
    const [row] = await this.meta.all<{
      user_id: number;
      csrf: string;
      expires_at: bigint;
      email: string;
      role: Role;
    }>(
      `SELECT s.user_id, s.csrf, s.expires_at, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1`,
      [digest(token)],
    );
    if (!row || Number(row.expires_at) < this.now()) return null;
    return { userId: row.user_id, email: row.email, role: row.role, csrf: row.csrf };
  }

  private async apiToken(token: string) {
    const hash = digest(token);
    const [row] = await this.meta.all<{ user_id: number; email: string; role: Role }>(
      'SELECT t.user_id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1',
      [hash],
    );
    if (!row) return null;
    await this.meta.run('UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2', [
      BigInt(this.now()),
      hash,
    ]);
    return { userId: row.user_id, email: row.email, role: row.role };
  }

  /** Checks a password; returns the user or null (without saying which part was wrong). */
  async verify(email: string, password: string): Promise<User | null> {
    const [row] = await this.meta.all<UserRow>('SELECT * FROM users WHERE email = $1', [
      email.trim().toLowerCase(),
    ]);
    // Hash anyway when the user does not exist, so timing does not tell.
    const ok = await verifyPassword(password, row?.password_hash ?? 'scrypt$16384$8$1$AAAA$AAAA');
    return row && ok ? toUser(row) : null;
  }

  async startSession(userId: number): Promise<{ token: string; csrf: string }> {
    const token = newSecret('ts');
    const csrf = newSecret('csrf');
    await this.meta.run('DELETE FROM sessions WHERE expires_at < $1', [BigInt(this.now())]);
    await this.meta.run('INSERT INTO sessions VALUES ($1, $2, $3, $4)', [
      digest(token),
      userId,
      csrf,
      BigInt(this.now() + SESSION_MS),
    ]);
    return { token, csrf };
  }

  async endSession(token: string): Promise<void> {
    await this.meta.run('DELETE FROM sessions WHERE token_hash = $1', [digest(token)]);
  }

  /** Uses the one-time setup token: creates the first owner, then the token is gone. */
  setup(token: unknown, email: unknown, password: unknown): Promise<User> {
    return this.accounts(async () => {
      const stored = await this.meta.getSetting(SETUP_KEY);
      if (!stored || typeof token !== 'string' || digest(token) !== stored || (await this.users()).length)
        throw new HttpError(403, 'this setup link is not valid (it works once, before any account exists)');
      const user = await this.insertUser(checkEmail(email), checkPassword(password), 'owner');
      await this.meta.setSetting(SETUP_KEY, null);
      return user;
    });
  }

  async needsSetup(): Promise<boolean> {
    return (await this.users()).length === 0;
  }

  async users(): Promise<User[]> {
    return (await this.meta.all<UserRow>('SELECT * FROM users ORDER BY id')).map(toUser);
  }

  createUser(email: string, password: string, role: Role): Promise<User> {
    return this.accounts(() => this.insertUser(email, password, role));
  }

  private async insertUser(email: string, password: string, role: Role): Promise<User> {
    const e = checkEmail(email);
    checkPassword(password);
    if ((await this.meta.all('SELECT 1 FROM users WHERE email = $1', [e])).length)
      throw new HttpError(409, 'a user with this email exists');
    const [row] = await this.meta.all<UserRow>(
      'INSERT INTO users (email, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING *',
      [e, role, await hashPassword(password), BigInt(this.now())],
    );
    if (!row) throw new Error('user was not created');
    return toUser(row);
  }

  deleteUser(id: number): Promise<void> {
    return this.accounts(async () => {
      const users = await this.users();
      const user = users.find((u) => u.id === id);
      if (!user) throw new HttpError(404, 'no such user');
      if (user.role === 'owner' && users.filter((u) => u.role === 'owner').length === 1)
        throw new HttpError(409, 'the last owner cannot be deleted');
      for (const table of ['sessions', 'api_tokens'])
        await this.meta.run(`DELETE FROM ${table} WHERE user_id = $1`, [id]);
      await this.meta.run('DELETE FROM users WHERE id = $1', [id]);
    });
  }

  async createToken(userId: number, name: unknown): Promise<{ id: number; token: string }> {
    if (typeof name !== 'string' || !name.trim() || name.length > 100)
      throw new HttpError(400, 'name must be 1 to 100 characters');
    const token = newSecret('tt');
    const [row] = await this.meta.all<{ id: number }>(
      'INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [digest(token), userId, name.trim(), BigInt(this.now())],
    );
    return { id: row?.id as number, token };
  }

  async issueToken(email: string, name: string): Promise<string> {
    const [row] = await this.meta.all<{ id: number }>('SELECT id FROM users WHERE email = $1', [
      email.trim().toLowerCase(),
    ]);
    if (!row) throw new Error(`no user ${email}`);
    return (await this.createToken(row.id, name)).token;
  }

  async tokens(userId: number | null) {
    const rows = await this.meta.all<{
      id: number;
      name: string;
      user_id: number;
      created_at: bigint;
      last_used_at: bigint | null;
    }>(
      `SELECT id, name, user_id, created_at, last_used_at FROM api_tokens ${userId === null ? '' : 'WHERE user_id = $1'} ORDER BY id`,
      userId === null ? [] : [userId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      userId: r.user_id,
      createdAt: Number(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    }));
  }

  async deleteToken(id: number, userId: number | null): Promise<void> {
    const owned = await this.tokens(userId);
    if (!owned.some((t) => t.id === id)) throw new HttpError(404, 'no such token');
    await this.meta.run('DELETE FROM api_tokens WHERE id = $1', [id]);
  }

  async createShare(appId: number): Promise<{ id: number; token: string; url: string }> {
    const token = newSecret('sh');
    const [row] = await this.meta.all<{ id: number }>(
      'INSERT INTO shares (app_id, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id',
      [appId, digest(token), BigInt(this.now())],
    );
    return { id: row?.id as number, token, url: `/share/${token}` };
  }

  async shares(appId: number) {
    const rows = await this.meta.all<{ id: number; created_at: bigint }>(
      'SELECT id, created_at FROM shares WHERE app_id = $1 ORDER BY id',
      [appId],
    );
    return rows.map((r) => ({ id: r.id, createdAt: Number(r.created_at) }));
  }

  async deleteShare(appId: number, id: number): Promise<void> {
    if (!(await this.shares(appId)).some((s) => s.id === id)) throw new HttpError(404, 'no such share link');
    await this.meta.run('DELETE FROM shares WHERE id = $1', [id]);
  }

  async deleteSharesOf(appId: number): Promise<void> {
    await this.meta.run('DELETE FROM shares WHERE app_id = $1', [appId]);
  }
}

export function createAuth(meta: MetaStore, config: Config): Auth {
  return new Auth(meta, config);
}
