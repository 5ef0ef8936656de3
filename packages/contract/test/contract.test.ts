import { describe, expect, it } from 'vitest';
import {
  anonymizeProps,
  cleanPath,
  defineContract,
  renderUsageDocs,
  validateContext,
  validateEvent,
} from '../src/index.js';

const contract = defineContract({
  app: 'Acme',
  identifiers: { machine: true, project: true },
  context: ['project', 'machine', 'os', 'runtimeVersion', 'appVersion'],
  events: {
    store_facts: {
      description: 'Facts about the store',
      when: 'once per admin session',
      props: {
        storeName: { type: 'string', description: 'The name of the store', privacy: 'pii' },
        products: { type: 'integer', description: 'The total number of products', min: 0 },
        currencies: {
          type: 'string[]',
          description: 'The currencies used in the store',
          maxItems: 5,
          maxLength: 3,
        },
        plan: { type: 'string', description: 'Plan', enum: ['free', 'pro'], required: true },
      },
    },
  },
  optOut: { env: 'ACME_DISABLE_TELEMETRY=true', command: 'acme telemetry --disable' },
});

describe('defineContract', () => {
  it('adds the built-in events and defaults', () => {
    expect(Object.keys(contract.events).sort()).toEqual(['error', 'pageleave', 'pageview', 'store_facts']);
    expect(contract.consent).toBe('opt-out');
    expect(defineContract({ app: 'x' }).identifiers).toEqual({ machine: false, project: false });
  });

  it('refuses a malformed contract where it is written', () => {
    expect(() => defineContract({ app: '' })).toThrow('`app` is required');
    expect(() => defineContract({ app: 'x', events: { 'bad name': { description: 'd' } } })).toThrow(
      'not allowed',
    );
    expect(() => defineContract({ app: 'x', events: { e: { description: '' } } })).toThrow(
      'needs a description',
    );
    expect(() =>
      defineContract({
        app: 'x',
        events: { e: { description: 'd', props: { p: { type: 'date' as never, description: 'd' } } } },
      }),
    ).toThrow('unknown type');
  });

  it('refuses, with what is wrong, a contract whose JSON is not the shape its type promises', () => {
    // An uploaded contract or a file read by `tally docs` is whatever JSON it is.
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ consent: 'maybe' }, '`consent` must be opt-in or opt-out'],
      [{ identifiers: 'yes' }, '`identifiers` must be'],
      [{ identifiers: { machine: 'yes' } }, '`identifiers` must be'],
      [{ context: ['os', 'ip'] }, '`context` must list context fields'],
      [{ events: [] }, '`events` must be an object'],
      [{ pages: 'notarray' }, '`pages` must be a list of paths'],
      [{ pages: ['/a', 1] }, '`pages` must be a list of paths'],
      [{ neverCollected: 'files' }, '`neverCollected` must be a list of strings'],
      [{ optOut: { settings: 'Settings' } }, '`optOut` must be'],
      [{ purpose: 5 }, '`purpose` must be text'],
      [{ events: { e: { description: 'd', props: [] } } }, 'event e: props must be an object'],
      [{ events: { e: { description: 'd', when: 1 } } }, 'event e: when must be text'],
    ];
    const prop = (p: Record<string, unknown>) => ({
      events: { e: { description: 'd', props: { p: { type: 'string', description: 'd', ...p } } } },
    });
    bad.push(
      [prop({ maxLength: -5 }), 'property e.p: maxLength must be a whole number from 1'],
      [prop({ maxItems: 1.5 }), 'property e.p: maxItems must be a whole number from 1'],
      [prop({ enum: 'free' }), 'property e.p: enum must be a list of strings'],
      [prop({ min: 'a' }), 'property e.p: min must be a number'],
      [prop({ min: 5, max: 1 }), 'property e.p: min is above max'],
      [prop({ privacy: 'secret' }), 'property e.p: privacy must be anonymous, pii or identifier'],
      [prop({ required: 'yes' }), 'property e.p: required must be true or false'],
    );
    for (const [input, message] of bad)
      expect(() => defineContract({ app: 'x', ...input } as never), JSON.stringify(input)).toThrow(message);
  });

  it('is idempotent: a normalised contract defines the same contract', () => {
    expect(defineContract(contract)).toEqual(contract);
  });
});

describe('validateEvent', () => {
  it('accepts a declared event and strips query and fragment from paths', () => {
    expect(validateEvent(contract, { name: 'pageview', path: '/a?q=secret#x', extra: 1 })).toEqual({
      ok: true,
      event: { name: 'pageview', path: '/a' },
    });
    const ok = validateEvent(contract, {
      name: 'store_facts',
      props: { plan: 'pro', products: 3, currencies: ['eur'] },
    });
    expect(ok.ok).toBe(true);
  });

  it.each([
    [{ name: 'store_facts', props: { products: 1 } }, 'property plan is required'],
    [{ name: 'store_facts', props: { plan: 'gold' } }, 'must be one of free, pro'],
    [{ name: 'store_facts', props: { plan: 'pro', products: 1.5 } }, 'must be an integer'],
    [{ name: 'store_facts', props: { plan: 'pro', products: -1 } }, 'at least 0'],
    [{ name: 'store_facts', props: { plan: 'pro', currencies: ['euro'] } }, 'longer than 3'],
    [{ name: 'store_facts', props: { plan: 'pro', currencies: 'eur' } }, 'list of strings'],
    [{ name: 'store_facts', props: { plan: 'pro', products: Number.POSITIVE_INFINITY } }, 'finite number'],
    [{ name: 'nope' }, 'not declared in the contract'],
    [{ name: 'constructor' }, 'not declared in the contract'],
    [{ name: 'store_facts', props: { plan: 'pro', toString: 'x' } }, 'property toString is not declared'],
    [{ name: 'pageleave', path: '/', duration: 90_000_000 }, 'between 0 and one day'],
  ])('refuses %j: %s', (event, reason) => {
    const r = validateEvent(contract, event);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain(reason);
  });

  it('refuses an identifier property when the contract allows no identifiers', () => {
    const strict = defineContract({
      app: 'x',
      events: {
        e: { description: 'd', props: { id: { type: 'string', description: 'id', privacy: 'identifier' } } },
      },
    });
    const r = validateEvent(strict, { name: 'e', props: { id: 'abc' } });
    expect(r).toEqual({ ok: false, reason: 'property id is an identifier and the contract allows none' });
  });
});

describe('text that is not Unicode', () => {
  // A JSON "\ud800" escape with no pair parses to a lone surrogate: no text, and no strict JSON
  // reader (the store's among them) takes it back.
  const lone = 'a\ud800b';
  it('is refused in a path, a string property, a list item and a context field; a surrogate pair is fine', () => {
    const reasonOf = (r: { ok: boolean; reason?: string }) => (r.ok ? 'ok' : r.reason);
    expect(reasonOf(validateEvent(contract, { name: 'pageview', path: `/${lone}` }))).toBe(
      'path is not valid Unicode text (a lone surrogate)',
    );
    expect(
      reasonOf(validateEvent(contract, { name: 'store_facts', props: { plan: 'pro', storeName: lone } })),
    ).toBe('property storeName is not valid Unicode text (a lone surrogate)');
    expect(
      reasonOf(
        validateEvent(contract, { name: 'store_facts', props: { plan: 'pro', currencies: ['\udc00'] } }),
      ),
    ).toBe('property currencies has an item that is not valid Unicode text (a lone surrogate)');
    expect(reasonOf(validateContext(contract, { os: lone }))).toBe(
      'context.os is not valid Unicode text (a lone surrogate)',
    );
    expect(reasonOf(validateEvent(contract, { name: 'pageview', path: '/\ud83d\ude00' }))).toBe('ok');
    expect(reasonOf(validateContext(contract, { appVersion: '1.0 \ud83d\ude00' }))).toBe('ok');
  });
});

describe('validateContext', () => {
  it('drops identifiers the contract does not allow, and names them', () => {
    const anonymous = defineContract({ app: 'x' });
    expect(validateContext(anonymous, { machine: 'm', project: 'p', os: 'linux' })).toEqual({
      ok: true,
      context: { os: 'linux' },
      dropped: ['machine', 'project'],
    });
    expect(validateContext(contract, { machine: 'm' })).toEqual({
      ok: true,
      context: { machine: 'm' },
      dropped: [],
    });
  });
});

describe('anonymizeProps', () => {
  it('[M14] drops every pii property and keeps the rest', () => {
    expect(anonymizeProps(contract, 'store_facts', { storeName: 'Shop', products: 4, plan: 'pro' })).toEqual({
      products: 4,
      plan: 'pro',
    });
  });
});

describe('cleanPath', () => {
  it('removes query strings and fragments', () => {
    expect(cleanPath('/x?a=1')).toBe('/x');
    expect(cleanPath('/x#y')).toBe('/x');
    expect(cleanPath('/x')).toBe('/x');
  });
});

describe('renderUsageDocs', () => {
  it('states what is collected, what never is and every way to opt out', () => {
    const md = renderUsageDocs(contract);
    expect(md).toContain('# Usage Information');
    expect(md).toContain('A unique project ID');
    expect(md).toContain('A unique machine ID, a random UUID');
    expect(md).toContain('The name of the store (personal: removed when you anonymize)');
    expect(md).toContain('ACME_DISABLE_TELEMETRY=true');
    expect(md).toContain('acme telemetry --disable');
    expect(md).toContain('DO_NOT_TRACK=1');
    expect(md).toContain('No IP addresses are stored');
    expect(md).not.toContain('No machine identifiers');
  });

  it('an opt-in app says it asks first and that No means nothing is ever sent', () => {
    const md = renderUsageDocs(
      defineContract({
        app: 'Forge',
        consent: 'opt-in',
        optOut: { settings: ['Settings', 'General', 'Send anonymous usage statistics'] },
      }),
    );
    expect(md).toContain('**opt-in**');
    expect(md).toContain('**No**: no data is ever collected or transmitted.');
    expect(md).toContain('**Settings** → **General** → **Send anonymous usage statistics**');
    expect(md).toContain('No machine identifiers: no serial numbers or unique IDs.');
    expect(md).toContain('When disabled, absolutely no data is sent.');
  });

  it('the first way to opt out is said as the way, each one after it as another ("Or …")', () => {
    const optOut = (o: object) =>
      renderUsageDocs(defineContract({ app: 'A', optOut: o })).split('## How to opt out')[1] ?? '';
    const settingsOnly = optOut({ settings: ['Settings', 'General'] });
    expect(settingsOnly).toContain('\nIn the app: **Settings** → **General**.');
    expect(settingsOnly).not.toContain('Or ');
    const flagFirst = optOut({ featureFlag: 'A_FF=false', settings: ['Settings'] });
    expect(flagFirst).toContain('\nDisable the feature flag:');
    expect(flagFirst).toContain('\nOr in the app: **Settings**.');
    const all = optOut({ env: 'A_OFF=1', command: 'a telemetry --disable' });
    expect(all).toContain('\nSet this environment variable:');
    expect(all).toContain('\nOr run this command in the root of your project:');
  });
});
