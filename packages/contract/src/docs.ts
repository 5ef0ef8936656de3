import { BUILTIN_EVENTS } from './builtin.js';
import type { ContextFields, Contract, PropSpec } from './types.js';

/** What each context field means, in words a user of the host app understands. */
const CONTEXT_WORDS: Record<keyof ContextFields, string> = {
  session: 'A random session id that changes every run or visit (it links the events of one visit only)',
  machine: 'A unique machine ID, a random UUID generated once and kept in your user config directory',
  project:
    'A unique project ID, a UUID derived from a salted hash of the project (the salt never leaves your machine)',
  os: 'Operating system platform (e.g. linux, darwin, win32)',
  osVersion: 'Operating system release',
  arch: 'CPU architecture (e.g. x64, arm64)',
  cpus: 'Number of CPU cores',
  runtime: 'Runtime name (e.g. node)',
  runtimeVersion: 'Runtime version (e.g. the Node version)',
  appVersion: 'The version of the application',
  locale: 'Language setting (e.g. en-US)',
  screen: 'Screen resolution (e.g. 1920x1080)',
  ci: 'Whether it runs in continuous integration',
  ciName: 'Which CI service, if any',
  docker: 'Whether it runs inside a container',
  wsl: 'Whether it runs under WSL',
  sdk: 'The name and version of the telemetry library',
};

const privacyNote = (p: PropSpec) =>
  p.privacy === 'pii'
    ? ' (personal: removed when you anonymize)'
    : p.privacy === 'identifier'
      ? ' (identifier)'
      : '';

/**
 * Renders a contract as a "Usage information" page: what is collected and when, what never is, how to
 * opt out and how anonymisation works. Generated from the same contract the server enforces, so the
 * page cannot claim less than what is accepted.
 */
export function renderUsageDocs(contract: Contract, options: { title?: string } = {}): string {
  const out: string[] = [];
  const name = contract.app;
  out.push(`# ${options.title ?? 'Usage Information'}`, '');
  if (contract.consent === 'opt-in') {
    out.push(
      `${name} includes optional, anonymous usage tracking. It is **opt-in**: when you first start ${name}, ` +
        'you are asked whether you want to participate.',
      '',
      '- **Yes**: anonymous usage data is sent to the analytics server.',
      '- **No**: no data is ever collected or transmitted.',
      '',
      'You can change this choice at any time.',
    );
  } else {
    out.push(
      `${name} collects optional, anonymous and non-sensitive usage data. You can opt out at any time (see below).`,
    );
  }
  out.push('');
  if (contract.purpose) out.push('## Purpose', '', contract.purpose, '');

  out.push('## Collected data', '');
  const ctx = contract.context.filter((k) => k !== 'machine' && k !== 'project');
  const ids = (['project', 'machine'] as const).filter((k) => contract.identifiers[k]);
  if (ids.length || ctx.length) {
    out.push('With every request:', '');
    for (const k of ids) out.push(`- ${CONTEXT_WORDS[k]}.`);
    for (const k of ctx) out.push(`- ${CONTEXT_WORDS[k]}.`);
    out.push('');
  }
  const custom = Object.entries(contract.events).filter(([n]) => !(n in BUILTIN_EVENTS));
  for (const [eventName, spec] of custom) {
    out.push(`### \`${eventName}\`: ${spec.description}`, '');
    if (spec.when) out.push(`Sent ${spec.when}.`, '');
    for (const p of Object.values(spec.props ?? {})) out.push(`- ${p.description}${privacyNote(p)}.`);
    if (spec.props && Object.keys(spec.props).length) out.push('');
  }
  // Page views and time on page belong to apps with pages or screens (a browser or desktop UI).
  const hasPages =
    contract.pages.length > 0 || contract.context.includes('screen') || contract.context.includes('locale');
  if (hasPages) {
    out.push('Pages and usage:', '');
    out.push(
      '- Pages, screens and dialogs viewed (their path, e.g. `/settings/general`, never a query string).',
    );
    out.push('- Time spent on a page (e.g. 6m 3s).');
    out.push('- Errors that occur: the message and where (never a query string or your data).');
    out.push('');
  }

  out.push('## What is never collected', '');
  out.push(
    '- No IP addresses are stored: the address is used in memory to count visitors with a hash whose secret changes daily and is destroyed.',
  );
  out.push(
    '- No raw User-Agent is stored; only the operating system, browser and device type derived from it.',
  );
  if (!contract.identifiers.machine && !contract.identifiers.project)
    out.push('- No machine identifiers: no serial numbers or unique IDs.');
  out.push('- No cross-site tracking: the data is isolated to this application only.');
  for (const item of contract.neverCollected) out.push(`- ${item}`);
  out.push('');

  if (contract.anonymize) out.push('## Anonymization', '', contract.anonymize, '');

  out.push('## How to opt out', '');
  const o = contract.optOut;
  // The first way is said as the way; each one after it as another ("Or …").
  let ways = 0;
  const way = (text: string) => (ways++ ? `Or ${text}` : text[0]?.toUpperCase() + text.slice(1));
  const code = (line: string) => ['```bash', line, '```', ''];
  if (o.env) out.push(way('set this environment variable:'), '', ...code(o.env));
  if (o.command) out.push(way('run this command in the root of your project:'), '', ...code(o.command));
  if (o.featureFlag) out.push(way('disable the feature flag:'), '', ...code(o.featureFlag));
  if (o.settings?.length) out.push(way(`in the app: ${o.settings.map((s) => `**${s}**`).join(' → ')}.`), '');
  if (o.doNotTrack !== false && (o.env || o.command))
    out.push('`DO_NOT_TRACK=1` is honoured too and turns collection off.', '');
  out.push('When disabled, absolutely no data is sent.', '');
  return out.join('\n');
}
