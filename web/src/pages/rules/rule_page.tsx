// /rules/new and /rules/ID: the rule form, with what the form needs (the CRM's modules and
// fields, the functions a rule may run, the environment's connections); on an existing rule
// also activate / deactivate, delete and its latest runs.
import { useEffect, useState } from 'preact/hooks';
import type { Client } from '../../api';
import { Link, navigate } from '../../router';
import { useApi } from '../../session';
import { Badge, Banner, Button, ConfirmDialog, ErrorBanner, Spinner } from '../../ui';
import { useResource } from '../../use_resource';
import { listConnections } from '../connections/data';
import { functionsApi } from '../functions/model';
import { Scope } from '../scope';
import { RuleForm, type FormData } from './form';
import { emptyForm, formFromRule } from './form_state';
import { rulesApi, type Rule } from './model';

async function loadFormData(api: Client, topping: string, signal: AbortSignal): Promise<FormData> {
  const [modules, functions, connections] = await Promise.all([
    rulesApi.modules(api, signal),
    functionsApi.list(api, signal),
    // A member who may not list connections still writes rules: webhooks then go without one.
    listConnections(api, signal).catch(() => []),
  ]);
  return { modules, functions: functions.filter((f) => f.topping === topping), connections };
}

export function NewRulePage() {
  const api = useApi();
  const data = useResource((signal) => loadFormData(api, '', signal), [api]);
  return (
    <>
      <p class="breadcrumb"><Link href="/rules">Workflow rules</Link></p>
      <h1>New workflow rule</h1>
      <Scope />
      {data.status === 'loading' && <Spinner label="Loading the CRM's modules…" />}
      {data.status === 'error' && <ErrorBanner title="Could not load what the form needs" error={data.error} />}
      {data.status === 'ready' && (
        <RuleForm api={api} data={data.data} rule={null}
                  initial={emptyForm(data.data.modules.find((m) => m.api_name === 'Contacts')?.api_name ?? data.data.modules[0]?.api_name ?? '')}
                  onSaved={(r) => navigate(`/rules/${encodeURIComponent(r.id)}?saved=created`)} />
      )}
    </>
  );
}

export function RulePage({ id }: { id: string }) {
  const api = useApi();
  const [version, setVersion] = useState(0);
  const loaded = useResource(async (signal) => {
    const rule = await rulesApi.get(api, id, signal);
    return { rule, data: await loadFormData(api, rule.topping, signal) };
  }, [api, id]);
  const [rule, setRule] = useState<Rule | null>(null);
  const [notice, setNotice] = useState<string | null>(
    new URLSearchParams(window.location.search).get('saved') === 'created' ? 'The rule was created.' : null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const current = rule ?? (loaded.status === 'ready' ? loaded.data.rule : null);
  // "?saved=created" says it once: a reload or a shared link does not repeat it.
  useEffect(() => {
    if (notice === 'The rule was created.') navigate(`/rules/${encodeURIComponent(id)}`, { replace: true });
  }, []);

  const setActive = async (active: boolean) => {
    if (!current) return;
    setBusy(true);
    setError(null);
    try {
      setRule(await rulesApi.setActive(api, current.id, active));
      setNotice(active ? 'The rule is active.' : 'The rule is inactive: it runs nothing until activated.');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!current) return;
    setBusy(true);
    try {
      await rulesApi.remove(api, current.id);
      navigate('/rules');
    } catch (e) {
      setConfirm(false);
      setError(e);
      setBusy(false);
    }
  };

  return (
    <>
      <p class="breadcrumb"><Link href="/rules">Workflow rules</Link></p>
      {loaded.status === 'loading' && <><h1>Workflow rule</h1><Spinner label="Loading the rule…" /></>}
      {loaded.status === 'error' && <><h1>Workflow rule</h1><ErrorBanner title="Could not load the rule" error={loaded.error} /></>}
      {loaded.status === 'ready' && current && (
        <>
          <div class="page__head">
            <h1>{current.name}</h1>
            <div class="row-actions">
              <Badge tone={current.active ? 'success' : 'neutral'}>{current.active ? 'Active' : 'Inactive'}</Badge>
              <Button busy={busy} onClick={() => void setActive(!current.active)}>{current.active ? 'Deactivate' : 'Activate'}</Button>
              <Link class="ui-button ui-button--secondary" href={`/runs?rule=${encodeURIComponent(current.id)}`}>Runs</Link>
              <Button variant="danger" onClick={() => setConfirm(true)}>Delete</Button>
            </div>
          </div>
          <Scope extra={`${current.module}${current.topping ? ` · topping ${current.topping}` : ''}`} />
          {notice && <Banner tone="success" onDismiss={() => setNotice(null)}>{notice}</Banner>}
          {error !== null && <ErrorBanner title="Could not change the rule" error={error} onDismiss={() => setError(null)} />}
          <RuleForm key={`${current.id}-${version}`} api={api} data={loaded.data.data} rule={current} initial={formFromRule(current)}
                    onSaved={(r) => { setRule(r); setVersion((v) => v + 1); setNotice('The rule was saved.'); window.scrollTo(0, 0); }} />
          {confirm && (
            <ConfirmDialog title={`Delete the rule ${current.name}?`} confirmLabel="Delete" busy={busy}
                           onConfirm={() => void remove()} onCancel={() => setConfirm(false)}>
              <p>The rule stops watching {current.module} for good. Its past runs stay in the execution log.</p>
            </ConfirmDialog>
          )}
        </>
      )}
    </>
  );
}
