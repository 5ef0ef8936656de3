const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Checks `check` every `stepMs` until it holds or `ms` pass; says whether it held. For what happens
 * asynchronously (a detached sender, a page's beacon), where a fixed wait is too short on a loaded
 * machine and a long one wastes every run.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  stepMs = 50,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return check();
}
