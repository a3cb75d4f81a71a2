// The Connections section. Its URLs:
//   /connections                         the list
//   /connections/new-connection          choose a service for a new connection
//   /connections/new-connection/SERVICE  the new connection's form
//   /connections/oauth-return            where the authorization popup lands (authorize.ts)
//   /connections/LINK                    one connection
// The fixed names hold a "-", which no link name can, so no connection is ever hidden by them.
import type { PageProps } from '../pages';
import { matchPath } from '../router';
import { ConnectionDetail } from './connections/detail';
import { ConnectionList } from './connections/list';
import { ChooseService, NewConnection } from './connections/new_connection';
import { AuthorizationReturn } from './connections/oauth_return';

export default function Connections({ subpath }: PageProps) {
  const path = `/connections${subpath}`;
  if (subpath === '' || subpath === '/') return <ConnectionList />;
  if (matchPath('/connections/new-connection', path)) return <ChooseService />;
  const create = matchPath('/connections/new-connection/:service', path);
  if (create) return <NewConnection serviceId={create.service!} />;
  if (matchPath('/connections/oauth-return', path)) return <AuthorizationReturn />;
  const one = matchPath('/connections/:link', path);
  if (one) return <ConnectionDetail key={one.link} link={one.link!} />;
  return <ConnectionList />;
}
