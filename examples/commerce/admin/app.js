// Acme Admin. Admin analytics follows the Medusa seed: store facts and admin errors, page views of
// admin pages, anonymise / opt-out under Settings → Personal Information → Usage insights, kept per
// user by the backend; with ACME_FF_ANALYTICS=false the tracker is never even loaded.
const config = await (await fetch('/admin/config.json')).json();
let tracker = null;
let ui = false;

if (config.analytics) {
  const { init } = await import('/admin/tally/index.js');
  await import('/admin/tally/ui.js');
  ui = true;
  // The user's choice lives on the backend, per user: read once, written through on change.
  let prefs = await (await fetch('/admin/api/preferences')).json();
  tracker = init({
    app: config.key,
    endpoint: config.endpoint,
    consent: 'opt-out',
    pii: ['storeName', 'email'],
    appVersion: '2.1.0',
    store: {
      get: () => prefs,
      set: (p) => {
        prefs = p;
        fetch('/admin/api/preferences', { method: 'PUT', body: JSON.stringify(p) });
      },
    },
  });
  const s = config.store;
  tracker.track('store_facts', {
    storeName: s.name,
    email: config.user.email,
    products: s.products,
    orders: s.orders,
    discounts: s.discounts,
    users: s.users,
    regions: s.regions,
    regionNames: s.regionNames,
    currencies: s.currencies,
  });
}

const s = config.store;
const PAGES = {
  '/admin': [
    'Home',
    `<div class="cards">${[
      ['Products', s.products],
      ['Orders', s.orders],
      ['Discounts', s.discounts],
      ['Regions', s.regions],
    ]
      .map(([k, v]) => `<div class="card"><small>${k}</small><b>${v}</b></div>`)
      .join('')}</div>`,
  ],
  '/admin/orders': [
    'Orders',
    `<p class="muted">${s.orders} orders</p><button id="export">Export orders</button>`,
  ],
  '/admin/products': ['Products', `<p class="muted">${s.products} products</p>`],
  '/admin/discounts': ['Discounts', `<p class="muted">${s.discounts} discounts</p>`],
  '/admin/settings': [
    'Settings',
    '<div class="list"><a href="/admin/settings/personal-information" data-nav>Personal Information</a><a href="/admin/settings/regions" data-nav>Regions</a></div>',
  ],
  '/admin/settings/regions': ['Regions', `<p>${s.regionNames.join(', ')}</p>`],
  '/admin/settings/personal-information': [
    'Personal Information',
    `<div class="card"><small>Email</small><p>${config.user.email}</p></div><br><div id="insights"></div>`,
  ],
};

const main = document.getElementById('main');
function render(path) {
  const [title, html] = PAGES[path] ?? PAGES['/admin'];
  main.innerHTML = `<h1>${title}</h1>${html}`;
  for (const a of document.querySelectorAll('.sidebar [data-nav]')) {
    if (path.startsWith(a.getAttribute('href')) && (a.getAttribute('href') !== '/admin' || path === '/admin'))
      a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const insights = document.getElementById('insights');
  if (insights && ui) {
    const panel = document.createElement('tally-preferences');
    panel.setAttribute('app', 'Acme');
    panel.tracker = tracker;
    insights.append(panel);
  } else if (insights)
    insights.innerHTML = '<p class="muted">Usage insights are turned off for this installation.</p>';
  // A known bug, so that admin errors are reported: exporting throws.
  document.getElementById('export')?.addEventListener('click', () => {
    throw new Error('Export failed: orders.csv could not be generated');
  });
}
document.addEventListener('click', (e) => {
  const a = e.target.closest('[data-nav]');
  if (!a) return;
  e.preventDefault();
  history.pushState(null, '', a.getAttribute('href'));
  render(location.pathname);
});
addEventListener('popstate', () => render(location.pathname));
render(location.pathname);
