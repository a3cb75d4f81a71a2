// Where the provider's popup lands after a successful authorization (the return_to that
// useAuthorization gives): it tells the console window that opened it, on this origin only,
// and closes. Opened any other way (the link copied into a tab), it says what happened.
import { useEffect } from 'preact/hooks';
import { Link, useLocation } from '../../router';
import { Banner } from '../../ui';
import { kAuthorizationMessage } from './authorize';

export function AuthorizationReturn() {
  const link = useLocation().query.get('connected') ?? '';
  const opener = window.opener as Window | null;
  useEffect(() => {
    if (!opener || !link) return;
    opener.postMessage({ type: kAuthorizationMessage, link }, window.location.origin);
    window.close();
  }, []);
  return (
    <>
      <h1>Authorization finished</h1>
      {link ? (
        <Banner tone="success" title={`The connection ${link} is authorized.`}>
          <p>{opener ? 'This window closes itself; you can also close it.' : 'You can close this window.'}{' '}
             <Link href={`/connections/${link}`}>Open the connection</Link></p>
        </Banner>
      ) : (
        <Banner tone="warning" title="No connection was named">
          <p><Link href="/connections">Back to the connections</Link></p>
        </Banner>
      )}
    </>
  );
}
