import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-user config folder, by each OS's convention; null when there is no home to use. */
export function userConfigDir(
  app: string,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string | null {
  let home: string;
  try {
    home = env.HOME ?? env.USERPROFILE ?? homedir();
  } catch {
    return null;
  }
  if (!home) return null;
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), app);
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', app);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), app);
}

/** The project's own setting, written by `<cli> telemetry --disable` run in its root. */
export const projectConfigFile = (app: string, projectDir: string) =>
  join(projectDir, `.${app}`, 'telemetry.json');
