import { defineContract } from '@tally/contract';

/** The demo's backend, wired like the Medusa seed's "Backend Analytics". */
export const backendContract = defineContract({
  app: 'Acme Commerce backend',
  consent: 'opt-out',
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
    'docker',
  ],
  events: {
    start: {
      description: 'The backend started',
      when: 'when the backend is run with `acme start`',
      props: {
        backendVersion: { type: 'string', description: 'The version of the Acme backend', maxLength: 32 },
        cliVersion: { type: 'string', description: 'The version of the Acme CLI', maxLength: 32 },
      },
    },
    ping: { description: 'The backend is still running', when: 'every 6 hours while the backend runs' },
  },
  optOut: { env: 'ACME_DISABLE_TELEMETRY=true', command: 'acme telemetry --disable' },
});

export const ADMIN_PAGES = [
  '/orders',
  '/orders/:id',
  '/products',
  '/products/:id',
  '/products/new',
  '/customers',
  '/discounts',
  '/discounts/new',
  '/gift-cards',
  '/pricing',
  '/settings',
  '/settings/personal-information',
  '/settings/regions',
  '/settings/currencies',
  '/settings/taxes',
  '/settings/return-reasons',
  '/settings/team',
  '/settings/sales-channels',
];

/** The demo's admin UI, wired like the Medusa seed's "Admin Analytics". */
export const adminContract = defineContract({
  app: 'Acme Admin',
  consent: 'opt-out',
  context: ['appVersion', 'locale', 'screen'],
  pages: ADMIN_PAGES,
  events: {
    store_facts: {
      description: 'Facts about the store',
      when: 'once per admin session',
      props: {
        storeName: { type: 'string', description: 'The name of the store', privacy: 'pii', maxLength: 200 },
        email: { type: 'string', description: 'The email of the user', privacy: 'pii', maxLength: 320 },
        products: { type: 'integer', description: 'The total number of products', min: 0 },
        orders: { type: 'integer', description: 'The total number of orders', min: 0 },
        discounts: { type: 'integer', description: 'The total number of discounts', min: 0 },
        users: { type: 'integer', description: 'The total number of users', min: 0 },
        regions: { type: 'integer', description: 'The number of regions', min: 0 },
        regionNames: { type: 'string[]', description: 'The names of the regions' },
        currencies: { type: 'string[]', description: 'The currencies used in the store', maxLength: 3 },
      },
    },
  },
  optOut: {
    featureFlag: 'ACME_FF_ANALYTICS=false',
    settings: [
      'Settings',
      'Personal Information',
      'Usage insights',
      'Edit preferences',
      'Opt out of sharing my usage data',
    ],
  },
  anonymize:
    'In Settings → Personal Information → Usage insights → "Edit preferences", enable "Anonymize my usage data": the store name and your email are then removed before anything is sent.',
});

export const DESKTOP_PAGES = [
  '/',
  '/machine-settings/general',
  '/machine-settings/camera',
  '/machine-settings/laser',
  '/view/3d',
  '/view/2d',
  '/camera-alignment-dialog',
  '/settings/general',
  '/step-settings/rasterizer',
  '/step-settings/contour',
  '/material-library',
  '/job-queue',
  '/about',
];

/** The demo's desktop-style app, wired like the Rayforge seed's "Usage Tracking". */
export const desktopContract = defineContract({
  app: 'Laserforge',
  consent: 'opt-in',
  context: ['appVersion', 'locale', 'screen'],
  pages: DESKTOP_PAGES,
  optOut: { settings: ['Settings', 'General', 'Send anonymous usage statistics'] },
  neverCollected: [
    'No personal information: no names, emails or accounts.',
    'No file contents: your designs and projects stay private.',
  ],
});
