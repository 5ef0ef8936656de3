import type { Contract } from '@tally/contract';
import { hash64, keyedHash64Remembered } from './hash.js';
import type { Salts } from './salts.js';
import type { Sessionizer } from './sessionize.js';

export interface VisitorInput {
  appId: number;
  contract: Contract;
  machine: string | undefined;
  address: string;
  userAgent: string;
  session: bigint | null;
  firstTs: number;
  now: number;
}

/**
 * Step 4b: who is this? With a machine id the contract allows, a hash of (app, machine). Otherwise a
 * keyed hash of (app, address, User-Agent) with today's salt — or yesterday's while a visit that
 * began before midnight is still going. The address and User-Agent are never stored: only the
 * hashes remembered in memory for a salt hold them, and they go with the salt.
 */
export function visitorOf(input: VisitorInput, salts: Salts, sessions: Sessionizer): bigint {
  if (input.machine && input.contract.identifiers.machine)
    return hash64(`machine:${input.appId}:${input.machine}`);
  const text = `${input.appId}\n${input.address}\n${input.userAgent}`;
  const { today, yesterday, todayFrom } = salts.current(input.now);
  // Yesterday's hash is worth computing only while a visit created before midnight is in memory.
  if (yesterday && sessions.oldestCreated < todayFrom) {
    const before = keyedHash64Remembered(yesterday, text);
    if (sessions.continues(input.appId, before, input.session, input.firstTs)) return before;
  }
  return keyedHash64Remembered(today, text);
}
