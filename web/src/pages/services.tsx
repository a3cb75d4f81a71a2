// The Services section: the catalog (default and custom services), one service's page, and
// custom services' definitions. Its URLs:
//   /services                    the catalog
//   /services/new-service        a new custom service
//   /services/ID                 one service
//   /services/ID/edit            a custom service's definition
// "new-service" holds a "-", which no service id can.
import type { PageProps } from '../pages';
import { Link, matchPath, navigate, useLocation } from '../router';
import { useApi } from '../session';
import { useResource } from '../use_resource';
import { Banner, ErrorBanner, Spinner } from '../ui';
import { listServices } from './services/data';
import { Scope } from './scope';
import { ServiceCatalog } from './services/catalog';
import { ServiceDetail } from './services/detail';
import { EditService, NewService } from './services/editor';

export default function Services({ subpath }: PageProps) {
  const path = `/services${subpath}`;
  if (matchPath('/services/new-service', path)) return <NewService />;
  const edit = matchPath('/services/:id/edit', path);
  if (edit) return <EditService key={edit.id} id={edit.id!} />;
  const one = matchPath('/services/:id', path);
  if (one) return <ServiceDetail key={one.id} id={one.id!} />;
  return <Catalog />;
}

function Catalog() {
  const api = useApi();
  const services = useResource((signal) => listServices(api, signal), [api]);
  const deleted = useLocation().query.get('deleted');
  return (
    <>
      <div class="page__head">
        <h1>Services</h1>
        <Link class="ui-button ui-button--primary" href="/services/new-service">New custom service</Link>
      </div>
      <Scope />
      {deleted && (
        <Banner tone="success" onDismiss={() => navigate('/services', { replace: true })}>
          The service {deleted} was deleted.
        </Banner>
      )}
      <p>How Relish authenticates to each API: the default catalog, and this organization's custom services.</p>
      {services.status === 'loading' && <Spinner label="Loading the services…" />}
      {services.status === 'error' && <ErrorBanner title="Could not load the services" error={services.error} />}
      {services.status === 'ready' && (
        <ServiceCatalog catalog={services.data} linkLabel="Details" linkFor={(s) => `/services/${s.id}`} />
      )}
    </>
  );
}
