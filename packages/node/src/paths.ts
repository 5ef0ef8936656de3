import { join } from 'node:path';
import { fs, os } from './lazy.js';

/**
 * The per-user config folder, by each OS's convention (XDG on Linux, Library/Preferences on macOS,
 * %APPDATA% on Windows); null when there is no home directory to use. A HOME that does not exist is
 * never created: telemetry is off instead.
 */
export function userConfigDir(
  app: string,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string | null {
  let home: string | undefined;
  try {
    home = env.HOME ?? env.USERPROFILE ?? os().homedir();
  } catch {
    return null;
  }
  if (!home || !fs().existsSync(home)) return null;
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), app);
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', app);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), app);
}

/** The names of what telemetry keeps in a config folder (`telemetry status` lists them). */
export const KEPT_NAMES = { settings: 'telemetry.json', spool: 'spool', sent: 'sent.json' } as const;

/** The project's own setting, written by `<cli> telemetry --disable` run in its root. */
export const projectConfigFile = (app: string, projectDir: string) =>
  join(projectDir, `.${app}`, KEPT_NAMES.settings);

/**
 * The SDK's compiled-code cache of one core (see load-core.ts): per architecture and V8 version too,
 * so a machine that switches between Node versions keeps a cache for each.
 */
export const codeCacheName = (coreId: string) =>
  `${codeCachePrefix(coreId)}${process.arch}-${process.versions.v8}.bin`;
export const codeCachePrefix = (coreId: string) => `code-${coreId}-`;
/** A code cache of any core (older ones were `code-<id>.bin`), or a temporary file one is written through. */
export const isCodeCacheFile = (name: string) => /^code-[0-9a-f]+[-.]/.test(name);

export const userFileIn = (userDir: string) => join(userDir, KEPT_NAMES.settings);
export const spoolIn = (userDir: string) => join(userDir, KEPT_NAMES.spool);
export const sentFileIn = (userDir: string) => join(userDir, KEPT_NAMES.sent);
