/**
 * Rejected events are counted per app and reason, and a reason names the event or property at
 * fault ("event signup is not declared in the contract"): what a developer needs to fix their
 * contract. Those names are the client's to choose, so at most MAX_REASONS different reasons are
 * counted per app, the rest together as OTHER_REASONS: a flood of made-up names grows neither
 * memory nor the rejections table without end.
 */
export const MAX_REASONS = 100;
export const OTHER_REASONS = `other reasons (more than ${MAX_REASONS} different ones)`;

/** Adds `n` to `reason`'s count in `counts`, or to OTHER_REASONS once it holds MAX_REASONS others. */
export function countRejection(counts: Map<string, number>, reason: string, n = 1): void {
  const as = counts.has(reason) || counts.size < MAX_REASONS ? reason : OTHER_REASONS;
  counts.set(as, (counts.get(as) ?? 0) + n);
}
