import { dirname } from 'node:path';
import { type Read, readConfig, type UserConfig } from './config.js';
import { fs } from './lazy.js';
import { projectConfigFile, userConfigDir, userFileIn } from './paths.js';

export type Source =
  | 'DO_NOT_TRACK'
  | 'environment variable'
  | 'project config'
  | 'user config'
  | 'default'
  | 'unusable config directory'
  | 'corrupt config file';

export interface Decision {
  enabled: boolean;
  /** Which source decided, in the order of precedence. */
  source: Source;
  /** The setting that decided, as a user would write it. */
  detail: string;
  userDir: string | null;
  userFile: string | null;
  projectFile: string;
  user: UserConfig | null;
}

/**
 * Whether `file` could be written: it, or the nearest folder that exists on the way to it, is
 * writable for this process (read-only file systems, permissions and immutable folders all say no).
 * Checks only; creates nothing.
 */
function writable(file: string): boolean {
  const { accessSync, constants } = fs();
  for (let p = file; ; p = dirname(p)) {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) return false;
    }
  }
}

/**
 * The app's consent model, read from its contract as given: opt-in only when it says so. Read raw,
 * not through defineContract, so that the gate decides without loading the contract code, and so that
 * an opt-in app whose contract has a mistake elsewhere still asks before sending anything.
 */
export const consentOf = (contract: { consent?: unknown } | undefined): 'opt-in' | 'opt-out' =>
  contract?.consent === 'opt-in' ? 'opt-in' : 'opt-out';

const truthy = (v: string | undefined) =>
  v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
const falsy = (v: string | undefined) =>
  v !== undefined && ['0', 'false', 'no', 'off'].includes(v.trim().toLowerCase());

/**
 * Is telemetry on? DO_NOT_TRACK=1 > <APP>_DISABLE_TELEMETRY > project config > user config >
 * the app's default (on for opt-out apps, off for opt-in ones until the user says yes). Whatever
 * says on, telemetry is off when it has no config folder it could write (it could keep no id).
 * Reads and checks files only; creates nothing.
 */
export function decide(
  app: string,
  consent: 'opt-in' | 'opt-out',
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Decision {
  const d = wanted(app, consent, projectDir, env);
  if (!d.enabled || (d.userFile && writable(d.userFile))) return d;
  return {
    ...d,
    enabled: false,
    source: 'unusable config directory',
    detail: d.userDir ?? 'no home directory',
  };
}

/** What the settings ask for, by precedence, before checking that telemetry could run at all. */
function wanted(
  app: string,
  consent: 'opt-in' | 'opt-out',
  projectDir: string,
  env: NodeJS.ProcessEnv,
): Decision {
  const prefix = app.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const userDir = userConfigDir(app, env);
  const userFile = userDir ? userFileIn(userDir) : null;
  const projectFile = projectConfigFile(app, projectDir);
  const base = { userDir, userFile, projectFile, user: null as UserConfig | null };
  const off = (source: Source, detail: string): Decision => ({ ...base, enabled: false, source, detail });
  const unreadable = (why: 'corrupt' | 'unreadable', file: string) =>
    off(why === 'corrupt' ? 'corrupt config file' : 'unusable config directory', file);

  if (truthy(env.DO_NOT_TRACK)) return off('DO_NOT_TRACK', `DO_NOT_TRACK=${env.DO_NOT_TRACK}`);
  const disable = env[`${prefix}_DISABLE_TELEMETRY`];
  if (truthy(disable)) return off('environment variable', `${prefix}_DISABLE_TELEMETRY=${disable}`);
  const envForcesOn = falsy(disable);

  const project = readConfig<{ enabled?: boolean }>(projectFile);
  if (!project.ok) return unreadable(project.why, projectFile);
  if (!envForcesOn && typeof project.value?.enabled === 'boolean')
    return { ...base, enabled: project.value.enabled, source: 'project config', detail: projectFile };

  if (!userFile) return off('unusable config directory', 'no home directory');
  const user: Read<UserConfig> = readConfig<UserConfig>(userFile);
  if (!user.ok) return unreadable(user.why, userFile);
  base.user = user.value;
  if (envForcesOn)
    return {
      ...base,
      enabled: true,
      source: 'environment variable',
      detail: `${prefix}_DISABLE_TELEMETRY=${disable}`,
    };
  if (typeof user.value?.enabled === 'boolean')
    return { ...base, enabled: user.value.enabled, source: 'user config', detail: userFile };
  return {
    ...base,
    enabled: consent === 'opt-out',
    source: 'default',
    detail: consent === 'opt-out' ? 'on unless disabled' : 'off until you agree',
  };
}
