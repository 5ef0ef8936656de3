import type { BatchContext, WireEvent } from '@tally/contract';
import type { EventRow } from '../store/types.js';
import { wellFormedJson } from '../well-formed.js';
import type { Agent } from './user-agent.js';

/** Step 5: one stored row per accepted event; only coarse, declared fields remain. */
export function toRow(
  appId: number,
  e: WireEvent & { ts: number },
  ctx: BatchContext,
  agent: Agent,
  ids: { visitor: bigint; visit: bigint; session: bigint | null },
): EventRow {
  return {
    appId,
    ts: e.ts,
    name: e.name,
    path: e.path ?? null,
    durationMs: e.duration ?? null,
    visitor: ids.visitor,
    visit: ids.visit,
    session: ids.session,
    os: ctx.os ?? agent.os,
    osVersion: ctx.osVersion ?? agent.osVersion,
    browser: agent.browser,
    device: agent.device ?? (ctx.runtime === 'node' ? 'server' : null),
    arch: ctx.arch ?? null,
    runtime: ctx.runtime ?? null,
    runtimeVersion: ctx.runtimeVersion ?? null,
    appVersion: ctx.appVersion ?? null,
    locale: ctx.locale ?? null,
    screen: ctx.screen ?? null,
    ci: ctx.ci ?? null,
    docker: ctx.docker ?? null,
    machine: ctx.machine ?? null,
    project: ctx.project ?? null,
    props: e.props ? wellFormedJson(e.props) : null,
  };
}
