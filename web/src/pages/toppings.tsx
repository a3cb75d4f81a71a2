// The Toppings section.
//
//   /toppings                 the toppings of the current environment; push; uninstall
//   /toppings/NS/publish      publish the sandbox's NS to production: preview, publish, authorize
import type { PageProps } from '../pages';
import { matchPath } from '../router';
import { EmptyState } from '../ui';
import { ToppingList } from './toppings/list';
import { PublishPage } from './toppings/publish';

export default function Toppings({ subpath }: PageProps) {
  if (subpath === '' || subpath === '/') return <ToppingList />;
  const publish = matchPath('/:ns/publish', subpath);
  if (publish) return <PublishPage key={publish['ns']} ns={publish['ns']!} />;
  return (
    <>
      <h1>Toppings</h1>
      <EmptyState title="There is no such page"><p>The address may be mistyped.</p></EmptyState>
    </>
  );
}
