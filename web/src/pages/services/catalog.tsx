// The service catalog: the default services and the organization's custom ones, searched by
// name, id or description and filtered by category, grouped under their categories (the API's
// set, in its order; only those that have a service are offered). Each card
// says the auth scheme and links to the service's docs; where its own link goes is the
// caller's (a new connection, or the service's page).
import { useState } from 'preact/hooks';
import { plural } from '../../format';
import { Link } from '../../router';
import { Badge, Button, EmptyState, Field, Select } from '../../ui';
import { kAuthWords, type Catalog, type Service } from './types';

// The categories, in the catalog's order, that some of `services` are in.
function categoriesOf(catalog: Catalog, services: Service[]): string[] {
  return catalog.categories.filter((c) => services.some((s) => s.category === c));
}

export function ServiceCatalog({ catalog, linkFor, linkLabel }: {
  catalog: Catalog;
  // Where a service's card leads, and its words ("Connect", "Details").
  linkFor: (service: Service) => string;
  linkLabel: string;
}) {
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState('');
  const { services } = catalog;
  const words = search.trim().toLowerCase();
  const shown = services.filter((s) =>
    (!category || s.category === category) &&
    (!words || [s.name, s.id, s.description].some((t) => t.toLowerCase().includes(words))));
  const categories = categoriesOf(catalog, services);

  return (
    <section class="catalog" aria-label="Service catalog">
      <div class="filters" role="search" aria-label="Filter services">
        <Field label="Search services" type="search" value={search} onValue={setSearch}
               hint="Name, id or description" />
        <Select label="Category" value={category} onValue={setCategory}
                options={[{ value: '', label: 'All categories' }, ...categories.map((c) => ({ value: c, label: c }))]} />
      </div>
      <p class="filters__count" role="status">
        {shown.length === services.length ? plural(services.length, 'service')
                                          : `${shown.length} of ${plural(services.length, 'service')}`}
      </p>
      {shown.length === 0 && (
        <EmptyState title="No service matches"
                    action={<Button onClick={() => { setSearch(''); setCategory(''); }}>Clear the filters</Button>}>
          <p>Try another word, or define a custom service for an API the catalog lacks.</p>
        </EmptyState>
      )}
      {categoriesOf(catalog, shown).map((c) => (
        <section key={c} class="catalog__group" aria-labelledby={`category-${slug(c)}`}>
          <h2 id={`category-${slug(c)}`}>{c}</h2>
          <ul class="catalog__list">
            {shown.filter((s) => s.category === c)
              .sort((a, b) => a.name.localeCompare(b.name))
              .map((s) => <ServiceCard key={s.id} service={s} href={linkFor(s)} linkLabel={linkLabel} />)}
          </ul>
        </section>
      ))}
    </section>
  );
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function ServiceCard({ service, href, linkLabel }: { service: Service; href: string; linkLabel: string }) {
  return (
    <li class="service-card">
      <h3 class="service-card__name">{service.name}</h3>
      <p class="service-card__meta">
        <code>{service.id}</code> · {kAuthWords[service.auth]}
        {!service.builtin && <> · <Badge tone="info">Custom</Badge></>}
      </p>
      {service.description && <p class="service-card__description">{service.description}</p>}
      <p class="service-card__actions">
        <Link class="ui-button ui-button--primary" href={href} aria-label={`${linkLabel}: ${service.name}`}>
          {linkLabel}
        </Link>
        {service.docs && (
          <a href={service.docs} target="_blank" rel="noopener noreferrer"
             aria-label={`API docs of ${service.name} (opens in a new tab)`}>API docs</a>
        )}
      </p>
    </li>
  );
}
