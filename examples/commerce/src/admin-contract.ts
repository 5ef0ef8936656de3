import { defineContract } from '@tally/contract';

export const ADMIN_PAGES = [
  '/admin',
  '/admin/products',
  '/admin/orders',
  '/admin/discounts',
  '/admin/settings',
  '/admin/settings/personal-information',
  '/admin/settings/regions',
];

/** What the Acme admin may send: the seed's "Admin Analytics" list. */
export const adminContract = defineContract({
  app: 'Acme Admin',
  consent: 'opt-out',
  context: ['appVersion', 'locale', 'screen'],
  pages: ADMIN_PAGES,
  events: {
    store_facts: {
      description: 'Facts about the store',
      when: 'when the admin is opened',
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
      'Submit and close',
    ],
  },
  anonymize:
    'Go to Settings → Personal Information. In the Usage insights section, click "Edit preferences", enable "Anonymize my usage data" and click "Submit and close": the store name and your email are then removed before anything is sent.',
});

export default adminContract;
