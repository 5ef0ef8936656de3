import { defineContract } from '@tally/contract';

export const PAGES = [
  '/',
  '/view/3d',
  '/machine-settings/general',
  '/machine-settings/camera',
  '/camera-alignment-dialog',
  '/settings/general',
  '/step-settings/rasterizer',
];

/** What Laserforge may send: anonymous page views, as the Rayforge seed's "Usage Tracking". */
export const contract = defineContract({
  app: 'Laserforge',
  consent: 'opt-in',
  purpose:
    'Usage data helps us identify popular features, find pain points (where users spend time or get stuck), prioritize development and know which languages and screen sizes to support.',
  context: ['screen', 'locale', 'appVersion'],
  pages: PAGES,
  optOut: { settings: ['Settings', 'General', 'Send anonymous usage statistics'] },
  neverCollected: [
    'No personal information: no names, emails, or accounts.',
    'No file contents: your designs and projects stay private.',
  ],
});

export default contract;
