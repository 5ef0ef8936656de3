import { useEffect, useState } from 'preact/hooks';
import { type App, api } from './api.js';

interface User {
  id: number;
  email: string;
  role: string;
}
interface Token {
  id: number;
  name: string;
  lastUsedAt: number | null;
}
interface Share {
  id: number;
  createdAt: number;
}

const form = (e: Event) => {
  e.preventDefault();
  return new FormData(e.target as HTMLFormElement);
};

/**
 * How to send events to an app: the script tag, the Node SDK, and a contract to start from. `testId`
 * names its key for tests (the new app's and the selected app's can be on the page together).
 */
function Snippets({ app, testId = 'app-key' }: { app: { name: string; key: string }; testId?: string }) {
  const origin = location.origin;
  return (
    <div class="snippets">
      <p>
        App key: <code data-testid={testId}>{app.key}</code>
      </p>
      <h3>Web page</h3>
      <pre>{`<script defer src="${origin}/tally.js" data-app="${app.key}" data-endpoint="${origin}"></script>`}</pre>
      <h3>Node backend or CLI</h3>
      <pre>{`import { createTelemetry } from '@tally/node';

const telemetry = createTelemetry({ app: '${app.name.toLowerCase().replace(/\W+/g, '-')}', key: '${app.key}', endpoint: '${origin}', version, contract });
telemetry.track('start', { version });`}</pre>
      <h3>Contract</h3>
      <pre>{`import { defineContract } from '@tally/contract';

export const contract = defineContract({
  app: '${app.name}',
  consent: 'opt-out',
  events: { start: { description: 'The app started', props: { version: { type: 'string', description: 'App version' } } } },
  optOut: { env: '${app.name.toUpperCase().replace(/\W+/g, '_')}_DISABLE_TELEMETRY=true' },
});`}</pre>
    </div>
  );
}

/** What a viewer sees: the settings, read-only, and who may change them. */
function ReadOnly({ app }: { app: App | undefined }) {
  return (
    <main class="settings">
      <p class="banner" role="note">
        Only owners can change settings.
      </p>
      {app && (
        <section class="card wide">
          <h2>{app.name}</h2>
          <p>
            {app.retentionDays
              ? `Data is kept for ${app.retentionDays} days.`
              : 'Data is kept with no time limit.'}
          </p>
        </section>
      )}
    </main>
  );
}

/** Owners create apps and manage retention, share links, erasure, users and API tokens. */
export function Settings({
  app,
  owner,
  onAppsChanged,
}: {
  app: App | undefined;
  owner: boolean;
  onAppsChanged: (id?: number) => void;
}) {
  return owner ? <OwnerSettings app={app} onAppsChanged={onAppsChanged} /> : <ReadOnly app={app} />;
}

function OwnerSettings({
  app,
  onAppsChanged,
}: {
  app: App | undefined;
  onAppsChanged: (id?: number) => void;
}) {
  const [users, setUsers] = useState<User[]>([]);
  const [tokens, setTokens] = useState<Token[]>([]);
  const [shares, setShares] = useState<Share[]>([]);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [secret, setSecret] = useState('');
  const [message, setMessage] = useState('');

  const load = () => {
    api<User[]>('/api/users').then(setUsers, () => {});
    api<Token[]>('/api/tokens').then(setTokens, () => {});
    if (app) api<Share[]>(`/api/apps/${app.id}/shares`).then(setShares, () => {});
  };
  useEffect(load, [app?.id]);
  const act = (p: Promise<unknown>, done: string) =>
    p.then(
      () => {
        setMessage(done);
        load();
      },
      (e) => setMessage(e.message),
    );

  return (
    <main class="settings">
      {message && (
        <p class="banner" role="status">
          {message}
        </p>
      )}
      <section class="card wide">
        <h2>Create an app</h2>
        <form
          onSubmit={(e) => {
            const name = String(form(e).get('name'));
            api<{ id: number; key: string }>('/api/apps', {
              method: 'POST',
              body: JSON.stringify({ name }),
            }).then(
              (r) => {
                setCreated({ name, key: r.key });
                onAppsChanged(r.id);
              },
              (err) => setMessage(err.message),
            );
          }}
        >
          <label>
            Name <input name="name" required maxLength={100} />
          </label>{' '}
          <button class="primary" type="submit">
            Create
          </button>
        </form>
        {created && <Snippets app={created} />}
      </section>
      {app && (
        <section class="card wide">
          <h2>{app.name}</h2>
          <form
            onSubmit={(e) => {
              const days = String(form(e).get('days'));
              act(
                api(`/api/apps/${app.id}`, {
                  method: 'PATCH',
                  body: JSON.stringify({ retentionDays: days ? Number(days) : null }),
                }).then(() => onAppsChanged(app.id)), // the field shows what is saved
                'Retention saved',
              );
            }}
          >
            <label>
              Keep data for{' '}
              <input
                key={`${app.id}:${app.retentionDays ?? ''}`}
                name="days"
                type="number"
                min={1}
                max={3650}
                placeholder="forever"
                defaultValue={app.retentionDays ? String(app.retentionDays) : ''}
                style={{ width: '7em' }}
              />{' '}
              days
            </label>{' '}
            <button type="submit">Save</button>
          </form>
          <h3>Events</h3>
          <p>
            {app.disabled
              ? 'Refused: batches get 410, and the SDKs stop sending. '
              : 'Accepted from the SDKs with its key. '}
            <button
              type="button"
              onClick={() =>
                act(
                  api(`/api/apps/${app.id}`, {
                    method: 'PATCH',
                    body: JSON.stringify({ disabled: !app.disabled }),
                  }).then(() => onAppsChanged(app.id)),
                  app.disabled ? 'Events are accepted again' : 'Events are refused',
                )
              }
            >
              {app.disabled ? 'Accept events again' : 'Stop accepting events'}
            </button>
          </p>
          <h3>Share links (read-only, no login)</h3>
          <ul>
            {shares.map((s) => (
              <li key={s.id}>
                Link #{s.id} from {new Date(s.createdAt).toLocaleDateString()}{' '}
                <button
                  type="button"
                  onClick={() =>
                    act(api(`/api/apps/${app.id}/shares/${s.id}`, { method: 'DELETE' }), 'Share link revoked')
                  }
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            onClick={() =>
              api<{ url: string }>(`/api/apps/${app.id}/shares`, { method: 'POST' }).then((r) => {
                setSecret(`${location.origin}${r.url}`);
                load();
              })
            }
          >
            Create share link
          </button>
          {app.key && (
            <details>
              <summary>Send events to {app.name}: its key and snippets</summary>
              <Snippets app={{ name: app.name, key: app.key }} testId="selected-app-key" />
            </details>
          )}
          <h3>Erase a machine's data</h3>
          <form
            onSubmit={(e) => {
              const machine = String(form(e).get('machine'));
              api<{ deleted: number }>(`/api/apps/${app.id}/erase`, {
                method: 'POST',
                body: JSON.stringify({ machine }),
              }).then(
                (r) => setMessage(`Deleted ${r.deleted} events of ${machine}`),
                (err) => setMessage(err.message),
              );
            }}
          >
            <label>
              Machine id <input name="machine" required />
            </label>{' '}
            <button type="submit">Erase</button>
          </form>
          <h3>Delete this app</h3>
          <form
            onSubmit={(e) => {
              // Typing the name, not a dialog: the app, its events and its share links go for good.
              if (String(form(e).get('confirm')) !== app.name) {
                setMessage(`Type ${app.name} to delete it`);
                return;
              }
              api<{ deleted: number }>(`/api/apps/${app.id}`, { method: 'DELETE' }).then(
                (r) => {
                  setMessage(`Deleted ${app.name} and its ${r.deleted} events`);
                  onAppsChanged();
                },
                (err) => setMessage(err.message),
              );
            }}
          >
            <label>
              Its events and share links go for good. Type its name to confirm{' '}
              <input name="confirm" required autocomplete="off" />
            </label>{' '}
            <button type="submit" class="danger">
              Delete app
            </button>
          </form>
        </section>
      )}
      {secret && (
        <p class="banner">
          Shown once: <code data-testid="secret">{secret}</code>
        </p>
      )}
      <section class="card wide">
        <h2>Users</h2>
        <ul>
          {users.map((u) => (
            <li key={u.id}>
              {u.email} ({u.role}){' '}
              <button
                type="button"
                onClick={() => act(api(`/api/users/${u.id}`, { method: 'DELETE' }), 'User removed')}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        <form
          onSubmit={(e) => {
            const f = form(e);
            act(
              api('/api/users', {
                method: 'POST',
                body: JSON.stringify({
                  email: f.get('email'),
                  password: f.get('password'),
                  role: f.get('role'),
                }),
              }),
              'User added',
            );
          }}
        >
          <input name="email" type="email" placeholder="email" required aria-label="New user email" />{' '}
          <input
            name="password"
            type="password"
            placeholder="password (10+)"
            minLength={10}
            required
            aria-label="New user password"
          />{' '}
          <select name="role" aria-label="Role">
            <option value="viewer">viewer</option>
            <option value="owner">owner</option>
          </select>{' '}
          <button type="submit">Add user</button>
        </form>
      </section>
      <section class="card wide">
        <h2>API tokens</h2>
        <ul>
          {tokens.map((t) => (
            <li key={t.id}>
              {t.name}{' '}
              {t.lastUsedAt ? `(last used ${new Date(t.lastUsedAt).toLocaleString()})` : '(never used)'}{' '}
              <button
                type="button"
                onClick={() => act(api(`/api/tokens/${t.id}`, { method: 'DELETE' }), 'Token revoked')}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
        <form
          onSubmit={(e) => {
            const name = String(form(e).get('name'));
            api<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ name }) }).then(
              (r) => {
                setSecret(r.token);
                load();
              },
            );
          }}
        >
          <input name="name" placeholder="token name" required aria-label="Token name" />{' '}
          <button type="submit">Create token</button>
        </form>
      </section>
      <section class="card wide">
        <h2>Backup</h2>
        <p>
          Everything in one file: the events of every app, the apps and their keys, users and tokens. Keep it
          as safe as the server. To put it back, stop the server and run{' '}
          <code>tally restore &lt;file&gt;</code> with an empty data folder.
        </p>
        <p>
          The visitor salts are never in a backup. An erasure made after a backup does not reach it: after a
          restore, make the erasures again.
        </p>
        <a href="/api/backup" download data-testid="download-backup">
          Download a backup
        </a>
      </section>
    </main>
  );
}
