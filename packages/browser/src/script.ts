import { init } from './tracker.js';

// <script defer src="/tally.js" data-app="<key>" data-endpoint="https://…" [data-consent="opt-in"]>
const s = document.currentScript as HTMLScriptElement | null;
const d = s?.dataset;
if (d?.app) {
  (window as unknown as { tally: unknown }).tally = init({
    app: d.app,
    endpoint: d.endpoint || new URL(s?.src || location.href).origin,
    consent: d.consent === 'opt-in' ? 'opt-in' : 'opt-out',
    pii: d.pii?.split(','),
  });
}
