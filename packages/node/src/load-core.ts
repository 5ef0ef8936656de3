import { dirname, join } from 'node:path';
import { builtin, fs } from './lazy.js';
import { codeCacheName, codeCachePrefix, isCodeCacheFile } from './paths.js';
import type { createCore } from './telemetry.js';

/** Set by the build (build.mjs): a hash of the core file's content, so a cache never outlives its code. */
declare const CORE_ID: string;

const CORE_FILE = 'tally-node-core.cjs';

/** The core, loaded, and what is left to do for its code cache. */
export interface LoadedCore {
  createCore: typeof createCore;
  /**
   * Writes the code cache when there was none that V8 took, else null. Call it at exit, after the
   * core's own exit hook: the cache then holds every function the run went through.
   */
  saveCache: (() => void) | null;
}

/** One core per process, however many apps use the SDK in it: it is loaded and compiled once. */
let loaded: LoadedCore | null = null;

/**
 * Loads the SDK's core (everything past the consent gate) from its own CommonJS file, synchronously:
 * `track()` may be called at any time and must not wait for an `import()`, and a host whose
 * telemetry is off never parses it.
 *
 * The core is compiled with a V8 code cache kept in the user's telemetry folder
 * (`code-<id>-<arch>-<v8>.bin`), made at the exit of the first run that has none: a short CLI
 * otherwise spends milliseconds of every run parsing the core and compiling the functions one event
 * goes through. The cache is written as two equal copies: V8 checks versions, flags and lengths but
 * not the content of a code cache, so a file whose copies differ (damaged on disk) is never given to
 * it. A cache V8 refuses, or none, is made anew.
 */
export function loadCore(cacheDir: string | null): LoadedCore {
  loaded ??= load(cacheDir);
  return loaded;
}

/** A file of this package's dist folder: the gate's bundle sits there beside the core and the sender. */
export const besideGate = (name: string) =>
  join(dirname(builtin<typeof import('node:url')>('node:url').fileURLToPath(import.meta.url)), name);

function load(cacheDir: string | null): LoadedCore {
  const { readFileSync } = fs();
  const file = besideGate(CORE_FILE);
  const cacheFile = cacheDir ? join(cacheDir, codeCacheName(CORE_ID)) : null;
  const cached = cacheFile ? readCache(cacheFile) : undefined;
  const { Script } = builtin<typeof import('node:vm')>('node:vm');
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
    { filename: file, cachedData: cached },
  );
  const module = { exports: {} as { createCore: typeof createCore } };
  // The core bundles everything but Node's built-ins, so `require` only ever loads those.
  script.runInThisContext()(module.exports, builtin, module, file, dirname(file));
  const stale = cacheFile !== null && (!cached || script.cachedDataRejected === true);
  return {
    createCore: module.exports.createCore,
    saveCache: stale ? () => writeCache(cacheFile, script.createCachedData()) : null,
  };
}

function readCache(file: string): Buffer | undefined {
  try {
    const both = fs().readFileSync(file);
    const half = both.length / 2;
    const [a, b] = [both.subarray(0, half), both.subarray(half)];
    return Number.isInteger(half) && half > 0 && a.equals(b) ? a : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically and removes the caches of other versions of the core. */
function writeCache(file: string, data: Buffer): void {
  try {
    const { readdirSync, renameSync, rmSync, writeFileSync } = fs();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([data, data]), { mode: 0o600 });
    renameSync(tmp, file);
    const dir = dirname(file);
    for (const name of readdirSync(dir))
      if (isCodeCacheFile(name) && !name.startsWith(codeCachePrefix(CORE_ID)))
        rmSync(join(dir, name), { force: true });
  } catch {
    // no cache: the next run compiles again
  }
}
