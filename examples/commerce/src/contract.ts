import { defineContract } from '@tally/contract';

/** What Acme's backend may send: exactly the seed's "Backend Analytics" list. */
export const contract = defineContract({
  app: 'Acme',
  consent: 'opt-out',
  purpose:
    'Acme collects anonymous and non-sensitive data to understand which operating systems, Acme versions and Node versions are used, so that we can focus our support where it matters.',
  identifiers: { machine: true, project: true },
  context: [
    'project',
    'machine',
    'os',
    'osVersion',
    'arch',
    'cpus',
    'runtime',
    'runtimeVersion',
    'appVersion',
    'ci',
    'ciName',
    'docker',
    'wsl',
  ],
  events: {
    start: {
      description: 'The backend started',
      when: 'only when the backend is run with the command `acme start`',
      props: {
        backendVersion: { type: 'string', description: 'The version of the Acme backend', maxLength: 32 },
        cliVersion: { type: 'string', description: 'The version of the Acme CLI', maxLength: 32 },
      },
    },
    ping: { description: 'The backend is still running', when: 'every 6 hours while `acme start` runs' },
  },
  optOut: { env: 'ACME_DISABLE_TELEMETRY=true', command: 'acme telemetry --disable', doNotTrack: true },
});

export default contract;
