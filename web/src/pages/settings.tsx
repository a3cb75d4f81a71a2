// The Settings section: personal API tokens, the organization's users and roles, the OAuth
// server's clients, the master key, the sandbox host remap.
//
//   /settings
import type { PageProps } from '../pages';
import { EmptyState } from '../ui';
import { Scope } from './scope';
import { MasterKey, SandboxRemap } from './settings/keys';
import { OAuthClients } from './settings/oauth_clients';
import { Tokens } from './settings/tokens';
import { Users } from './settings/users';

export default function Settings({ subpath }: PageProps) {
  if (subpath !== '' && subpath !== '/') {
    return (
      <>
        <h1>Settings</h1>
        <EmptyState title="There is no such page"><p>The address may be mistyped.</p></EmptyState>
      </>
    );
  }
  return (
    <>
      <h1>Settings</h1>
      <Scope />
      <div class="settings">
        <Tokens />
        <Users />
        <OAuthClients />
        <MasterKey />
        <SandboxRemap />
      </div>
    </>
  );
}
