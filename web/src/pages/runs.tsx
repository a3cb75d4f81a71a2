// The Executions section: the execution log of workflow rules and each run.
//
//   /runs              the log, filtered by the query (?rule=&function=&status=&record=&since=&envs=)
//   /runs/ID           one run
import type { PageProps } from '../pages';
import { matchPath } from '../router';
import { EmptyState } from '../ui';
import { RunList } from './runs/list';
import { RunPage } from './runs/run_page';

export default function Runs({ subpath }: PageProps) {
  if (subpath === '' || subpath === '/') return <RunList />;
  const run = matchPath('/:id', subpath);
  if (run) return <RunPage key={run['id']} id={run['id']!} />;
  return (
    <>
      <h1>Executions</h1>
      <EmptyState title="There is no such page"><p>The address may be mistyped.</p></EmptyState>
    </>
  );
}
