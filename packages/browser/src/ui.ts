import type { Prefs, Tracker } from './tracker.js';

/** Shared look, themable through CSS custom properties on the host page. */
const STYLE = `
:host { --tally-font: system-ui, -apple-system, "Segoe UI", sans-serif; --tally-bg: #ffffff; --tally-fg: #111827;
  --tally-muted: #6b7280; --tally-border: #e5e7eb; --tally-accent: #4f46e5; --tally-accent-fg: #ffffff; --tally-radius: 10px;
  font-family: var(--tally-font); color: var(--tally-fg); }
.card { background: var(--tally-bg); border: 1px solid var(--tally-border); border-radius: var(--tally-radius);
  box-shadow: 0 10px 30px rgba(17, 24, 39, .12); padding: 24px; max-width: 460px; box-sizing: border-box; }
h2 { font-size: 18px; margin: 0 0 8px; }
p { margin: 0 0 16px; line-height: 1.5; color: var(--tally-muted); font-size: 14px; }
.actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 8px; }
button { font: inherit; font-size: 14px; border-radius: 8px; padding: 8px 16px; cursor: pointer; border: 1px solid var(--tally-border);
  background: var(--tally-bg); color: var(--tally-fg); }
button.primary { background: var(--tally-accent); border-color: var(--tally-accent); color: var(--tally-accent-fg); }
button:focus-visible, input:focus-visible { outline: 3px solid color-mix(in srgb, var(--tally-accent) 40%, transparent); outline-offset: 2px; }
.backdrop { position: fixed; inset: 0; background: rgba(17, 24, 39, .45); display: grid; place-items: center; z-index: 2147483000; }
dialog { border: none; padding: 0; background: transparent; }
dialog::backdrop { background: rgba(17, 24, 39, .45); }
.row { display: flex; gap: 12px; align-items: flex-start; padding: 12px 0; border-top: 1px solid var(--tally-border); }
.row label { font-weight: 600; font-size: 14px; display: block; }
.row small { color: var(--tally-muted); font-size: 13px; }
input[type=checkbox] { appearance: none; flex: none; width: 36px; height: 20px; border-radius: 10px; background: var(--tally-border);
  position: relative; cursor: pointer; margin: 2px 0 0; transition: background .15s; }
input[type=checkbox]::after { content: ""; position: absolute; top: 2px; left: 2px; width: 16px; height: 16px; border-radius: 50%;
  background: #fff; transition: left .15s; box-shadow: 0 1px 2px rgba(0,0,0,.2); }
input[type=checkbox]:checked { background: var(--tally-accent); }
input[type=checkbox]:checked::after { left: 18px; }
section { border: 1px solid var(--tally-border); border-radius: var(--tally-radius); padding: 20px; background: var(--tally-bg); }
`;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

abstract class Base extends HTMLElement {
  /** The tracker whose preferences this element reads and changes. */
  tracker: Tracker | null = null;
  protected root = this.attachShadow({ mode: 'open' });
  protected app() {
    return esc(this.getAttribute('app') || 'this app');
  }
  protected emit(name: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

/** The first-start question: "Yes" sends anonymous usage data, "No" sends nothing, ever. */
export class TallyConsent extends Base {
  connectedCallback() {
    this.root.innerHTML = `<style>${STYLE}</style>
<div class="backdrop"><div class="card" role="dialog" aria-modal="true" aria-labelledby="t" aria-describedby="d">
<h2 id="t">Help improve ${this.app()}?</h2>
<p id="d">${this.app()} can send anonymous usage statistics: which pages and dialogs you open, for how long, your screen
size and language. No names, emails or accounts, no file contents, no unique IDs. You can change this at any time in
${esc(this.getAttribute('settings') || 'Settings → General')}.</p>
<div class="actions"><button id="no">No</button><button id="yes" class="primary">Yes</button></div></div></div>`;
    const answer = (yes: boolean) => {
      this.tracker?.setConsent({ optOut: !yes });
      this.emit('tally-consent', { yes });
      this.remove();
    };
    this.root.getElementById('yes')?.addEventListener('click', () => answer(true));
    this.root.getElementById('no')?.addEventListener('click', () => answer(false));
    this.root.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Escape') answer(false);
    });
    (this.root.getElementById('yes') as HTMLButtonElement | null)?.focus();
  }
}

/** The "Usage insights" section: "Edit preferences" opens the anonymise and opt-out switches. */
export class TallyPreferences extends Base {
  connectedCallback() {
    this.root.innerHTML = `<style>${STYLE}</style>
<section aria-labelledby="h"><h2 id="h">Usage insights</h2>
<p>Share anonymous usage data with the ${this.app()} team to help improve it. You decide what is shared.</p>
<button id="edit">Edit preferences</button></section>
<dialog id="dlg" aria-labelledby="dt"><form class="card" method="dialog">
<h2 id="dt">Edit preferences</h2>
<div class="row"><input type="checkbox" role="switch" id="anon"><div><label for="anon">Anonymize my usage data</label>
<small>Your name, email and store name are removed before anything is sent.</small></div></div>
<div class="row"><input type="checkbox" role="switch" id="out"><div><label for="out">Opt out of sharing my usage data</label>
<small>Nothing about your usage is sent at all.</small></div></div>
<div class="actions"><button id="cancel" value="cancel">Cancel</button><button id="submit" class="primary" value="submit">Submit and close</button></div>
</form></dialog>`;
    const $ = <T extends HTMLElement>(id: string) => this.root.getElementById(id) as T;
    const dialog = $<HTMLDialogElement>('dlg');
    $('edit').addEventListener('click', () => {
      const p: Prefs = this.tracker?.prefs() ?? { answered: false, optOut: false, anonymize: false };
      $<HTMLInputElement>('anon').checked = p.anonymize;
      $<HTMLInputElement>('out').checked = p.optOut;
      dialog.showModal();
      $<HTMLInputElement>('anon').focus();
    });
    $('submit').addEventListener('click', () => {
      const prefs = {
        anonymize: $<HTMLInputElement>('anon').checked,
        optOut: $<HTMLInputElement>('out').checked,
      };
      this.tracker?.setConsent(prefs);
      this.emit('tally-preferences', prefs);
    });
  }
}

if (!customElements.get('tally-consent')) customElements.define('tally-consent', TallyConsent);
if (!customElements.get('tally-preferences')) customElements.define('tally-preferences', TallyPreferences);
