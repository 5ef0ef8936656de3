import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The example store's data: what the admin shows and what admin analytics count. */
export interface StoreData {
  name: string;
  users: Array<{ id: string; email: string }>;
  products: Array<{ id: string; title: string }>;
  orders: Array<{ id: string; total: number; currency: string }>;
  discounts: Array<{ code: string }>;
  regions: Array<{ name: string; currency: string }>;
}

export interface Store {
  data: StoreData;
  counts(): { products: number; orders: number; discounts: number; users: number; regions: number };
  regionNames(): string[];
  currencies(): string[];
}

const file = (projectDir: string) => join(projectDir, '.acme', 'store.json');

function sample(): StoreData {
  const regions = [
    { name: 'Europe', currency: 'eur' },
    { name: 'North America', currency: 'usd' },
  ];
  return {
    name: 'Acme Outdoor',
    users: [{ id: 'u1', email: 'owner@acme-outdoor.example' }],
    products: Array.from({ length: 24 }, (_, i) => ({ id: `p${i + 1}`, title: `Product ${i + 1}` })),
    orders: Array.from({ length: 130 }, (_, i) => ({
      id: `o${i + 1}`,
      total: 1000 + i,
      currency: i % 3 ? 'eur' : 'usd',
    })),
    discounts: [{ code: 'WELCOME10' }, { code: 'SUMMER' }],
    regions,
  };
}

/** Opens the project's store, creating sample data on first use (`acme seed` rewrites it). */
export function openStore(projectDir: string, reseed = false): Store {
  let data: StoreData;
  try {
    if (reseed) throw new Error('reseed');
    data = JSON.parse(readFileSync(file(projectDir), 'utf8')) as StoreData;
  } catch {
    data = sample();
    mkdirSync(join(projectDir, '.acme'), { recursive: true });
    writeFileSync(file(projectDir), JSON.stringify(data, null, 2));
  }
  return {
    data,
    counts: () => ({
      products: data.products.length,
      orders: data.orders.length,
      discounts: data.discounts.length,
      users: data.users.length,
      regions: data.regions.length,
    }),
    regionNames: () => data.regions.map((r) => r.name),
    currencies: () => [...new Set(data.regions.map((r) => r.currency))],
  };
}
