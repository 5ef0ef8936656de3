import { readConfig, type UserConfig, writeConfig } from './config.js';
import type { Decision } from './consent.js';
import { lastSent } from './history.js';
import { fs } from './lazy.js';
import { isCodeCacheFile, KEPT_NAMES, sentFileIn, spoolIn } from './paths.js';
import { dropSpool } from './spool.js';

interface CommandContext {
  app: string;
  prefix: string;
  projectDir: string;
  /** Decides afresh (after a change). */
  status: () => Decision;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

/** Sets `enabled` in the project config (default: this is the project's root) or, with --global, the user's. */
function setEnabled(ctx: CommandContext, enabled: boolean, global: boolean): boolean {
  const d = ctx.status();
  const file = global ? d.userFile : d.projectFile;
  if (!file) return false;
  const prev = readConfig<Record<string, unknown>>(file);
  const ok = writeConfig(file, { ...(prev.ok ? (prev.value ?? {}) : {}), enabled });
  if (ok && !enabled && d.userDir) dropSpool(spoolIn(d.userDir));
  return ok;
}

/**
 * `<cli> telemetry --enable | --disable [--global] | status | reset`, for any CLI framework: pass
 * the arguments after the CLI's name. Returns false when they are not a telemetry command.
 */
export async function runCommand(argv: string[], ctx: CommandContext): Promise<boolean> {
  if (argv[0] !== 'telemetry') return false;
  const args = argv.slice(1);
  const global = args.includes('--global');
  const cli = ctx.app.toLowerCase();
  if (args.includes('--disable') || args.includes('--enable')) {
    const enabled = args.includes('--enable');
    if (!setEnabled(ctx, enabled, global)) {
      out(`Could not write the telemetry setting (is the folder writable?).`);
      process.exitCode = 1;
      return true;
    }
    out(`Telemetry ${enabled ? 'enabled' : 'disabled'} ${global ? 'for your user' : 'for this project'}.`);
    const d = ctx.status();
    if (d.enabled !== enabled)
      out(`Note: it stays ${d.enabled ? 'enabled' : 'disabled'} because of ${d.source} (${d.detail}).`);
    return true;
  }
  if (args[0] === 'reset') {
    const d = ctx.status();
    if (d.userDir && d.userFile) {
      const cfg = readConfig<UserConfig>(d.userFile);
      if (cfg.ok && cfg.value) {
        // every identifier: the machine id, the salt and the project ids made with it
        const { machineId: _m, salt: _s, projects: _p, ...rest } = cfg.value;
        writeConfig(d.userFile, rest);
      }
      fs().rmSync(sentFileIn(d.userDir), { force: true });
      dropSpool(spoolIn(d.userDir));
    }
    out(
      'Telemetry identifiers, history and spool removed; a new machine id is created only if telemetry sends again.',
    );
    return true;
  }
  if (args.length && args[0] !== 'status' && args[0] !== '--status') {
    out(`Usage: ${cli} telemetry [status] | --enable | --disable [--global] | reset`);
    process.exitCode = 2;
    return true;
  }
  const d = ctx.status();
  out(`Telemetry: ${d.enabled ? 'enabled' : 'disabled'}`);
  out(`Decided by: ${d.source} (${d.detail})`);
  out(
    `Precedence: DO_NOT_TRACK=1 > ${ctx.prefix}_DISABLE_TELEMETRY > project config > user config > default`,
  );
  out(`User config: ${d.userFile ?? '(none: no home directory)'}`);
  out(`Project config: ${d.projectFile}`);
  const cfg = d.userFile ? readConfig<UserConfig>(d.userFile) : null;
  out(`Machine id: ${(cfg?.ok && cfg.value?.machineId) || '(none created)'}`);
  const sent = d.userDir ? lastSent(d.userDir) : [];
  out(`Payloads sent from this machine (last ${sent.length}):`);
  for (const s of sent.slice(-3)) out(`  ${s.at} ${JSON.stringify(s.body)}`);
  if (d.userDir) listFiles(d.userDir);
  return true;
}

/** What telemetry keeps in its folder, so that nothing there is a mystery. */
const KEPT: Array<[(name: string) => boolean, string]> = [
  [
    (n) => n === KEPT_NAMES.settings,
    'this setting, the machine id, and the salt of project ids (never sent)',
  ],
  [(n) => n === KEPT_NAMES.sent, 'the last payloads sent (above)'],
  [(n) => n === KEPT_NAMES.spool, 'batches waiting to be sent'],
  [isCodeCacheFile, "the SDK's compiled code, for a faster start (no data)"],
];

function listFiles(dir: string): void {
  let names: string[];
  try {
    names = fs().readdirSync(dir).sort();
  } catch {
    return; // nothing kept yet
  }
  out(`Kept in ${dir}:`);
  for (const name of names) {
    const what = KEPT.find(([isIt]) => isIt(name))?.[1] ?? 'not written by telemetry';
    out(`  ${name}: ${what}`);
  }
}
