// The Functions section: the organization's stored functions (its own and its toppings'), each
// at its own URL, edited in the code editor and run in the environment.
//
//   /functions                         the list
//   /functions/new                     a new function
//   /functions/NAME                    the organization's own function NAME
//   /functions/TOPPING.NAME            a topping's function (Deluge calls it that way too)
//   /functions/KEY/runs/RUN_ID         one recorded run
import type { PageProps } from '../pages';
import { matchPath } from '../router';
import { EmptyState } from '../ui';
import { FunctionPage, NewFunctionPage } from './functions/function_page';
import { parseKey } from './functions/keys';
import { FunctionList } from './functions/list';
import { RunPage } from './functions/run_page';

export default function Functions({ subpath }: PageProps) {
  if (subpath === '' || subpath === '/') return <FunctionList />;
  if (subpath === '/new') return <NewFunctionPage />;
  const run = matchPath('/:fn/runs/:run', subpath);
  if (run) return <RunPage key={run['run']} fn={parseKey(run['fn']!)} runId={run['run']!} />;
  const fn = matchPath('/:fn', subpath);
  if (fn) return <FunctionPage key={fn['fn']} fn={parseKey(fn['fn']!)} />;
  return (
    <>
      <h1>Functions</h1>
      <EmptyState title="There is no such page">
        <p>The address may be mistyped.</p>
      </EmptyState>
    </>
  );
}
