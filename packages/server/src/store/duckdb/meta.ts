import type { Contract } from '@tally/contract';
import { countRejection } from '../../rejections.js';
import { serial } from '../serial.js';
import type { AppRecord, MetaStore } from '../types.js';
import { type Db, readAll, readFresh } from './db.js';
import { META_DDL } from './schema.js';

interface AppRow {
  id: number;
  name: string;
  key: string;
  contract: string;
  retention_days: number | null;
  disabled: boolean;
  created_at: bigint;
}

const toApp = (r: AppRow): AppRecord => ({
  id: r.id,
  name: r.name,
  key: r.key,
  contract: JSON.parse(r.contract) as Contract,
  retentionDays: r.retention_days,
  disabled: r.disabled,
  createdAt: Number(r.created_at),
});

/** Users, apps, keys and settings in the same DuckDB file as the events (embedded mode). */
export class DuckDBMetaStore implements MetaStore {
  private readonly exclusive = serial();
  private readonly conn;

  private constructor(
    private readonly db: Db,
    conn: Awaited<ReturnType<Db['instance']['connect']>>,
  ) {
    this.conn = conn;
  }

  static async open(db: Db): Promise<DuckDBMetaStore> {
    const conn = await db.instance.connect();
    await conn.run(META_DDL);
    return new DuckDBMetaStore(db, conn);
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.exclusive(() => readAll<T>(this.db, this.conn, sql, params));
  }

  async run(sql: string, params: unknown[] = []): Promise<void> {
    // biome-ignore lint/suspicious/noExplicitAny: DuckDB values
    await this.exclusive(() => this.conn.run(sql, params as any));
  }

  async listApps(): Promise<AppRecord[]> {
    return (await this.all<AppRow>('SELECT * FROM apps ORDER BY id')).map(toApp);
  }

  async appByKey(key: string): Promise<AppRecord | null> {
    const [row] = await readFresh<AppRow>(this.db, 'SELECT * FROM apps WHERE key = $1', [key]);
    return row ? toApp(row) : null;
  }

  async appById(id: number): Promise<AppRecord | null> {
    const [row] = await readFresh<AppRow>(this.db, 'SELECT * FROM apps WHERE id = $1', [id]);
    return row ? toApp(row) : null;
  }

  async createApp(input: { name: string; contract: Contract; key: string }): Promise<AppRecord> {
    const [row] = await this.all<AppRow>(
      'INSERT INTO apps (name, key, contract, created_at) VALUES ($1, $2, $3, $4) RETURNING *',
      [input.name, input.key, JSON.stringify(input.contract), BigInt(Date.now())],
    );
    if (!row) throw new Error('app was not created');
    return toApp(row);
  }

  async updateApp(
    id: number,
    patch: Partial<Pick<AppRecord, 'name' | 'contract' | 'retentionDays' | 'disabled'>>,
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (col: string, v: unknown) => {
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    };
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.contract !== undefined) set('contract', JSON.stringify(patch.contract));
    if (patch.retentionDays !== undefined) set('retention_days', patch.retentionDays);
    if (patch.disabled !== undefined) set('disabled', patch.disabled);
    if (!sets.length) return;
    params.push(id);
    await this.run(`UPDATE apps SET ${sets.join(', ')} WHERE id = $${params.length}`, params);
  }

  async deleteApp(id: number): Promise<void> {
    await this.run('DELETE FROM rejections WHERE app_id = $1', [id]);
    await this.run('DELETE FROM apps WHERE id = $1', [id]);
  }

  async countRejections(appId: number, counts: Map<string, number>): Promise<void> {
    // The reasons in the table count towards the cap too: they start at 0 and are written only if added to.
    const stored = await this.all<{ reason: string }>('SELECT reason FROM rejections WHERE app_id = $1', [
      appId,
    ]);
    const merged = new Map(stored.map((r) => [r.reason, 0]));
    for (const [reason, n] of counts) countRejection(merged, reason, n);
    const added = [...merged].filter(([, n]) => n > 0);
    if (!added.length) return;
    // One statement, so the app's counts are written whole or not at all (see flushRejections)
    const params: unknown[] = [appId];
    const rows = added.map(([reason, n]) => {
      params.push(reason, BigInt(n));
      return `($1, $${params.length - 1}, $${params.length})`;
    });
    await this.run(
      `INSERT INTO rejections VALUES ${rows.join(', ')}
       ON CONFLICT (app_id, reason) DO UPDATE SET count = count + EXCLUDED.count`,
      params,
    );
  }

  async rejections(appId: number): Promise<Array<{ reason: string; count: number }>> {
    return this.all(
      'SELECT reason, count::INTEGER AS count FROM rejections WHERE app_id = $1 ORDER BY count DESC',
      [appId],
    );
  }

  async getSetting(key: string): Promise<string | null> {
    const [row] = await this.all<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return row?.value ?? null;
  }

  async setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) await this.run('DELETE FROM settings WHERE key = $1', [key]);
    else
      await this.run(
        'INSERT INTO settings VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
        [key, value],
      );
  }

  async close(): Promise<void> {
    await this.exclusive(async () => this.conn.closeSync());
  }
}
