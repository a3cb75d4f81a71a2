// /rules: the environment's workflow rules, per module, each with whether it is active, its
// trigger, criteria and actions; activate, deactivate and delete from the row.
import { useState } from 'preact/hooks';
import { Link } from '../../router';
import { useApi } from '../../session';
import { Badge, Button, ConfirmDialog, EmptyState, ErrorBanner, Select, Spinner, Table } from '../../ui';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { actionText, kTriggerWords, rowText, rulesApi, type Rule } from './model';

function NewRuleLink() {
  return <Link class="ui-button ui-button--primary" href="/rules/new">New rule</Link>;
}

// The first condition's actions in words, its scheduled ones with when they run: "After 2h
// (from Closing_Date): Function remind".
function actionLines(rule: Rule): string[] {
  const c = rule.conditions[0];
  if (!c) return [];
  return [...c.actions.map(actionText),
          ...(c.scheduled ?? []).flatMap((s) => s.actions.map((a) =>
            `After ${s.offset}${s.from && s.from !== 'trigger' ? ` (from ${s.from})` : ''}: ${actionText(a)}`))];
}

export function criteriaText(rule: Rule): string {
  const c = rule.conditions[0];
  if (!c || !c.criteria || c.criteria === 'all') return 'Every record';
  const rows = c.criteria.map(rowText);
  const plain = !c.pattern || c.pattern.replace(/\s+/g, ' ').trim() === rows.map((_, i) => i + 1).join(' and ');
  const text = !plain ? `${c.pattern}: ${rows.map((r, i) => `${i + 1}. ${r}`).join('; ')}` : rows.join(' and ');
  const more = rule.conditions.length - 1;
  return more > 0 ? `${text} (+${more} more condition${more > 1 ? 's' : ''})` : text;
}

export function RuleList() {
  const api = useApi();
  const [module, setModule] = useState('');
  const [confirm, setConfirm] = useState<Rule | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = useResource((signal) => rulesApi.list(api, signal), [api]);

  const setActive = async (rule: Rule, active: boolean) => {
    setBusy(rule.id);
    setError(null);
    try {
      await rulesApi.setActive(api, rule.id, active);
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const remove = async (rule: Rule) => {
    setBusy(rule.id);
    setError(null);
    try {
      await rulesApi.remove(api, rule.id);
      setConfirm(null);
      list.reload();
    } catch (e) {
      setConfirm(null);
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const rules = list.status === 'ready' ? list.data : [];
  const modules = [...new Set(rules.map((r) => r.module))].sort();
  const shown = modules.filter((m) => !module || m === module);
  return (
    <>
      <div class="page__head">
        <h1>Workflow rules</h1>
        {rules.length > 0 && <NewRuleLink />}
      </div>
      <Scope />
      {list.status === 'loading' && <Spinner label="Loading rules…" />}
      {list.status === 'error' && <ErrorBanner title="Could not load the rules" error={list.error} />}
      {error !== null && <ErrorBanner title="Could not change the rule" error={error} onDismiss={() => setError(null)} />}
      {list.status === 'ready' && rules.length === 0 && (
        <EmptyState title="No workflow rules yet" action={<NewRuleLink />}>
          <p>A rule watches a CRM module: when a record is created, edited or deleted and meets its
             criteria, it runs a function, calls a webhook or updates fields.</p>
        </EmptyState>
      )}
      {rules.length > 0 && (
        <div class="filters">
          <Select label="Module" value={module} onValue={setModule}
                  options={[{ value: '', label: 'All modules' }, ...modules.map((m) => ({ value: m, label: m }))]} />
        </div>
      )}
      {shown.map((m) => (
        <section key={m} aria-labelledby={`rules-${m}`}>
          <h2 id={`rules-${m}`}>{m}</h2>
          <Table<Rule>
            caption={`Rules of ${m}`} captionHidden rows={rules.filter((r) => r.module === m)} rowKey={(r) => r.id}
            columns={[
              { header: 'Name', render: (r) => <Link href={`/rules/${encodeURIComponent(r.id)}`}>{r.name}</Link> },
              { header: 'Status', render: (r) => <Badge tone={r.active ? 'success' : 'neutral'}>{r.active ? 'Active' : 'Inactive'}</Badge> },
              { header: 'Trigger', render: (r) => kTriggerWords[r.trigger.type] + (r.trigger.repeat ? ', every time' : '') },
              { header: 'Criteria', render: (r) => criteriaText(r), secondary: true },
              { header: 'Actions', render: (r) => (
                <ul class="rule-actions">{actionLines(r).map((line, i) => <li key={i}>{line}</li>)}</ul>
              ) },
              { header: 'Belongs to', render: (r) => r.topping ? `Topping ${r.topping}` : 'Organization', secondary: true },
              { header: 'Manage', render: (r) => (
                <div class="row-actions">
                  <Button busy={busy === r.id} onClick={() => void setActive(r, !r.active)}
                          aria-label={`${r.active ? 'Deactivate' : 'Activate'} ${r.name}`}>
                    {r.active ? 'Deactivate' : 'Activate'}
                  </Button>
                  <Button variant="danger" onClick={() => setConfirm(r)} aria-label={`Delete ${r.name}`}>Delete</Button>
                </div>
              ) },
            ]} />
        </section>
      ))}
      {confirm && (
        <ConfirmDialog title={`Delete the rule ${confirm.name}?`} confirmLabel="Delete" busy={busy === confirm.id}
                       onConfirm={() => void remove(confirm)} onCancel={() => setConfirm(null)}>
          <p>The rule stops watching {confirm.module} for good. Its past runs stay in the execution log.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
