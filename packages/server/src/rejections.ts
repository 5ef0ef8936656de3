/**
 * Rejected events are counted per app and reason, and a reason names the event or property at
 * fault ("event signup is not declared in the contract"): what a developer needs to fix their
 * contract. Those names are the client's to choose, so at most MAX_REASONS different reasons are
 * counted per app, the rest together as OTHER_REASONS: a flood of made-up names grows neither
 * memory nor the rejections table without end.
 */
export const MAX_REASONS = 100;
export const OTHER_REASONS = `other reasons (more than ${MAX_REASONS} different ones)`;

/** What to count `reason` as, given the reasons counted so far (a Map's or a Set's keys). */
export function countedAs(reason: string, counted: { has(reason: string): boolean; size: number }): string {
  return counted.has(reason) || counted.size < MAX_REASONS ? reason : OTHER_REASONS;
}
