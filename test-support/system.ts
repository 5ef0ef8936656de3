import { existsSync } from 'node:fs';

/** Path of Debian's Chromium, the browser every e2e test drives. */
export const CHROMIUM = process.env.TALLY_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for headless Chromium on a machine with no outside network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** prlimit (util-linux) runs a process under resource limits, e.g. a largest file size. */
export const PRLIMIT = '/usr/bin/prlimit';

const PATHS = { chromium: CHROMIUM, prlimit: PRLIMIT };
const PACKAGES = { chromium: 'chromium', prlimit: 'util-linux' };

/**
 * Whether a test that needs a system package must skip. Prints the one-line reason. With
 * TALLY_NO_SKIP=1 (set by .ci/run) a missing package is a failure instead of a skip.
 */
export function skipWithout(what: 'chromium' | 'prlimit', present = existsSync(PATHS[what])): boolean {
  if (present) return false;
  const reason = `${what} is not installed (apt-get install ${PACKAGES[what]}); skipping the tests that need it`;
  if (process.env.TALLY_NO_SKIP === '1') throw new Error(`TALLY_NO_SKIP=1 but ${reason}`);
  console.warn(reason);
  return true;
}
