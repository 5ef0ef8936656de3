import { randomBytes } from 'node:crypto';
import { type Contract, type ContractInput, defineContract } from '@tally/contract';
import { HttpError } from './http/errors.js';
import type { AppRecord, MetaStore } from './store/types.js';

/** Apps by key, cached for ingest (one lookup per batch must not be a database query). */
export class AppRegistry {
  private byKey = new Map<string, AppRecord>();

  constructor(private readonly meta: MetaStore) {}

  async load(): Promise<void> {
    this.byKey = new Map((await this.meta.listApps()).map((a) => [a.key, a]));
  }

  get(key: string): AppRecord | undefined {
    return this.byKey.get(key);
  }

  list(): AppRecord[] {
    return [...this.byKey.values()].sort((a, b) => a.id - b.id);
  }

  async byId(id: number): Promise<AppRecord> {
    const app = Number.isInteger(id) ? await this.meta.appById(id) : null;
    if (!app) throw new HttpError(404, 'no such app');
    return app;
  }

  async create(name: unknown, contract: unknown): Promise<AppRecord> {
    if (typeof name !== 'string' || !name.trim() || name.length > 100)
      throw new HttpError(400, 'name must be 1 to 100 characters');
    const app = await this.meta.createApp({
      name: name.trim(),
      contract: toContract(name.trim(), contract),
      key: newKey(),
    });
    this.byKey.set(app.key, app);
    return app;
  }

  async update(
    id: number,
    patch: { name?: unknown; contract?: unknown; retentionDays?: unknown; disabled?: unknown },
  ) {
    const app = await this.byId(id);
    const next: Parameters<MetaStore['updateApp']>[1] = {};
    if (patch.name !== undefined) {
      if (typeof patch.name !== 'string' || !patch.name.trim())
        throw new HttpError(400, 'name must be a non-empty string');
      next.name = patch.name.trim();
    }
    if (patch.contract !== undefined) next.contract = toContract(next.name ?? app.name, patch.contract);
    if (patch.retentionDays !== undefined) {
      const d = patch.retentionDays;
      if (d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 3650))
        throw new HttpError(400, 'retentionDays must be null or 1 to 3650');
      next.retentionDays = d as number | null;
    }
    if (patch.disabled !== undefined) {
      if (typeof patch.disabled !== 'boolean') throw new HttpError(400, 'disabled must be a boolean');
      next.disabled = patch.disabled;
    }
    await this.meta.updateApp(id, next);
    await this.load();
    return this.byId(id);
  }

  async remove(id: number): Promise<void> {
    await this.byId(id);
    await this.meta.deleteApp(id);
    await this.load();
  }
}

function newKey(): string {
  return `tk_${randomBytes(12).toString('base64url')}`;
}

/** Accepts a normalised contract, a contract input, or nothing (built-in events only). */
function toContract(name: string, raw: unknown): Contract {
  if (raw === undefined || raw === null) return defineContract({ app: name });
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'contract must be an object');
  try {
    // A normalised contract is also a valid input: defineContract is idempotent.
    const input = raw as ContractInput;
    return defineContract({ ...input, app: input.app || name });
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
}
