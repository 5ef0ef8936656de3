// Laserforge's window: every page and dialog is a path (e.g. /machine-settings/general), tracked
// only if the user said yes at first start, and never again after "Send anonymous usage statistics" is off.
import { init } from '/tally/index.js';
import '/tally/ui.js';

const config = await (await fetch('/config.json')).json();
const tracker = init({ app: config.key, endpoint: config.endpoint, consent: 'opt-in', appVersion: '0.26.0' });

const PAGES = {
  '/': [
    'Workspace',
    '<div class="canvas">Drop a design here</div><p><button data-open="/camera-alignment-dialog">Align camera…</button></p>',
  ],
  '/view/3d': ['3D view', '<div class="canvas">3D preview</div>'],
  '/step-settings/rasterizer': [
    'Rasterizer step',
    '<div class="panel"><div class="field">Line interval <input value="0.1"> mm</div></div>',
  ],
  '/machine-settings/general': [
    'Machine: General',
    '<div class="panel"><div class="field">Name <input value="My laser"></div><div class="field">Max speed <input value="3000"> mm/min</div></div>',
  ],
  '/machine-settings/camera': [
    'Machine: Camera',
    '<div class="panel"><div class="field">Device <select><option>USB camera</option></select></div></div>',
  ],
  '/settings/general': [
    'Settings: General',
    '<div class="panel"><div class="field"><input type="checkbox" id="stats"><label for="stats">Send anonymous usage statistics</label></div></div>',
  ],
};

const main = document.getElementById('main');

function render(path) {
  const [title, html] = PAGES[path] ?? PAGES['/'];
  main.innerHTML = `<h1>${title}</h1>${html}`;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const stats = document.getElementById('stats');
  if (stats) {
    const p = tracker.prefs();
    stats.checked = p.answered && !p.optOut;
    stats.addEventListener('change', () => tracker.setConsent({ optOut: !stats.checked }));
  }
  for (const b of main.querySelectorAll('[data-open]'))
    b.addEventListener('click', () => openDialog(b.dataset.open));
}

function go(path) {
  history.pushState(null, '', path);
  render(path);
}

function openDialog(path) {
  const from = location.pathname;
  history.pushState(null, '', path);
  const d = document.createElement('div');
  d.className = 'dialog';
  d.innerHTML =
    '<div class="panel" role="dialog" aria-label="Camera alignment"><h1>Camera alignment</h1><p>Click the four markers in the camera image.</p><button>Done</button></div>';
  d.querySelector('button').addEventListener('click', () => {
    d.remove();
    go(from);
  });
  document.body.append(d);
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('[data-nav]');
  if (!a) return;
  e.preventDefault();
  go(a.getAttribute('href'));
});
addEventListener('popstate', () => render(location.pathname));
render(location.pathname);

// First start: ask. Until the user answers, nothing is sent and no request is made.
if (!tracker.prefs().answered) {
  const ask = document.createElement('tally-consent');
  ask.setAttribute('app', 'Laserforge');
  ask.tracker = tracker;
  document.body.append(ask);
}
