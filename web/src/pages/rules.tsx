// The Workflow rules section: the environment's rules per module, and a form per rule.
//
//   /rules             the list
//   /rules/new         a new rule
//   /rules/ID          a rule: edit, activate / deactivate, delete
import type { PageProps } from '../pages';
import { matchPath } from '../router';
import { EmptyState } from '../ui';
import { RuleList } from './rules/list';
import { NewRulePage, RulePage } from './rules/rule_page';

export default function Rules({ subpath }: PageProps) {
  if (subpath === '' || subpath === '/') return <RuleList />;
  if (subpath === '/new') return <NewRulePage />;
  const rule = matchPath('/:id', subpath);
  if (rule) return <RulePage key={rule['id']} id={rule['id']!} />;
  return (
    <>
      <h1>Workflow rules</h1>
      <EmptyState title="There is no such page"><p>The address may be mistyped.</p></EmptyState>
    </>
  );
}
