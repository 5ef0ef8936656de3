import type { EventRow } from '../../src/store/types.js';

/** A stored event row for store-level tests: a pageview of `/` with every optional field empty. */
export const eventRow = (over: Partial<EventRow> = {}): EventRow => ({
  appId: 1,
  ts: 1_795_800_000_000,
  name: 'pageview',
  path: '/',
  durationMs: null,
  visitor: 1n,
  visit: 2n,
  session: null,
  os: null,
  osVersion: null,
  browser: null,
  device: null,
  arch: null,
  runtime: null,
  runtimeVersion: null,
  appVersion: null,
  locale: null,
  screen: null,
  ci: null,
  docker: null,
  machine: null,
  project: null,
  props: null,
  ...over,
});
