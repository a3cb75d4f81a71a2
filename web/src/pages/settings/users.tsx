// The organization's members and their roles. Administrators add users and change roles; a
// developer is told that only administrators manage them (the API refuses them the list).
import { useState } from 'preact/hooks';
import type { User } from '../../api';
import { useApi, useSession } from '../../session';
import { Badge, Button, ErrorBanner, Field, Select, Spinner, Table } from '../../ui';
import { useResource } from '../../use_resource';
import { settingsApi } from './model';

const kRoles = [{ value: 'developer', label: 'Developer' }, { value: 'admin', label: 'Administrator' }];

export function Users() {
  const api = useApi();
  const { org, user: me } = useSession();
  const members = useResource((signal) => settingsApi.members(api, org.id, signal), [api, org.id]);
  const [form, setForm] = useState({ email: '', name: '', password: '', role: 'developer' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');

  const add = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone('');
    try {
      const u = await settingsApi.addUser(api, org.id, form);
      setForm({ email: '', name: '', password: '', role: 'developer' });
      setDone(`${u.email} was added to ${org.name}.`);
      members.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const changeRole = async (u: User, role: string) => {
    setError(null);
    setDone('');
    try {
      const changed = await settingsApi.setRole(api, u.id, role);
      setDone(`${changed.email} is now ${changed.role === 'admin' ? 'an administrator' : 'a developer'}.`);
      members.reload();
    } catch (err) {
      setError(err);
      members.reload();
    }
  };

  return (
    <section aria-labelledby="settings-users">
      <h2 id="settings-users">Users and roles</h2>
      {me.role !== 'admin' ? (
        <p>Only administrators manage the users of {org.name} and their roles. You are a developer.</p>
      ) : (
        <>
          <p>The members of {org.name}. A role holds in every organization the user belongs to.</p>
          {error !== null && <ErrorBanner title="The users could not be changed" error={error} />}
          {done && <p role="status">{done}</p>}
          {members.status === 'loading' && <Spinner label="Loading users…" />}
          {members.status === 'error' && <ErrorBanner title="Could not load the users" error={members.error} />}
          {members.status === 'ready' && (
            <Table<User>
              caption={`Members of ${org.name}`} captionHidden rows={members.data} rowKey={(u) => u.id}
              columns={[
                { header: 'Email', render: (u) => u.email },
                { header: 'Name', render: (u) => u.name, secondary: true },
                { header: 'Role', render: (u) => (
                  <Select label={`Role of ${u.email}`} value={u.role} options={kRoles}
                          onValue={(v) => void changeRole(u, v)} />
                ) },
                { header: '', render: (u) => (u.id === me.id ? <Badge tone="info">You</Badge> : null), secondary: true },
              ]} />
          )}
          <h3>Add a user</h3>
          <form class="inline-form" aria-label="Add a user" onSubmit={(e) => void add(e)}>
            <Field label="Email" type="email" value={form.email} onValue={(v) => setForm({ ...form, email: v })} required />
            <Field label="Name" value={form.name} onValue={(v) => setForm({ ...form, name: v })} hint="Empty: the email's name" />
            <Field label="Password" type="password" autoComplete="new-password" value={form.password}
                   onValue={(v) => setForm({ ...form, password: v })} hint="At least 10 characters" required />
            <Select label="Role" value={form.role} onValue={(v) => setForm({ ...form, role: v })} options={kRoles} />
            <div class="form-actions"><Button type="submit" variant="primary" busy={busy}>Add user</Button></div>
          </form>
        </>
      )}
    </section>
  );
}
