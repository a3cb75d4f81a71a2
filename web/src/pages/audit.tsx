// The Audit section: the connections audit of the organization and environment.
//
//   /audit   filtered by the query (?link=&run=&origin=&status=&since=)
import type { PageProps } from '../pages';
import { EmptyState } from '../ui';
import { AuditLog } from './audit/log';

export default function Audit({ subpath }: PageProps) {
  if (subpath === '' || subpath === '/') return <AuditLog />;
  return (
    <>
      <h1>Audit</h1>
      <EmptyState title="There is no such page"><p>The address may be mistyped.</p></EmptyState>
    </>
  );
}
