// The execution log as the REST API gives it (docs/workflow.md, "The execution log").
import { request, type Client, type Scope } from '../../api';
import { timeBounds } from '../../time_range';

export type RunStatus = 'success' | 'failed' | 'retrying' | 'skipped';

export interface WorkflowRun {
  id: string;
  rule_id: string;
  rule: string;
  topping: string;
  environment: 'sandbox' | 'production';
  module: string;
  record_id: string;
  trigger: string;
  action: 'function' | 'webhook' | 'update';
  target: string;
  status: RunStatus;
  attempt: number;
  event_at: number;
  started_at: number;
  ended_at: number;
  statements: number;
  error: string;
  error_line: number;
  // Who the run acted as: the user whose change started it (null when the change was no user's).
  user: { id: string; name: string; email: string } | null;
}

export interface CallRecord {
  source: 'function' | 'audit';
  method: string;
  url: string;
  connection: string;
  task: string;
  status: number;
  latency_us: number;
  bytes_in?: number;
  error?: string;
  note?: string;
}

export interface WorkflowRunDetails extends WorkflowRun {
  job_id: string;
  info: string[];
  calls: CallRecord[];
  result: string;
}

export interface RunFilters {
  rule: string;
  function: string;
  status: string;
  record: string;
  since: string;   // '', '1h', '24h', '7d', 'custom' (from/to)
  from?: string;   // custom range, local time as typed: '2026-12-06T09:30'
  to?: string;
  envs: string;    // '': the current environment; 'all': every environment
}

export const kFilterKeys: (keyof RunFilters)[] = ['rule', 'function', 'status', 'record', 'since', 'from', 'to', 'envs'];

export const kPageSize = 25;

export const runsApi = {
  // A page of runs, newest first. The API filters by environment only when the query names
  // one: every environment is the organization alone.
  list: (api: Client, scope: Scope, f: RunFilters, before: string | null, signal?: AbortSignal) => {
    const query = {
      rule: f.rule || undefined,
      function: f.function || undefined,
      status: f.status || undefined,
      record: f.record.trim() || undefined,
      ...timeBounds(f.since, f.from ?? '', f.to ?? ''),
      before: before ?? undefined,
      limit: kPageSize,
    };
    if (f.envs === 'all') {
      return request<{ runs: WorkflowRun[]; next: string | null }>('GET', '/api/v1/workflow/runs',
        { query: { org: scope.org, ...query }, ...(signal ? { signal } : {}) });
    }
    return api.get<{ runs: WorkflowRun[]; next: string | null }>('/api/v1/workflow/runs', query, signal);
  },
  // "Run again": the run's action once more, for its record as it is now; the new run appears
  // in the log when a worker has run it.
  rerun: (api: Client, id: string) =>
    api.post<{ job_id: string; run_id: string }>(`/api/v1/workflow/runs/${encodeURIComponent(id)}/rerun`),
  get: (api: Client, id: string, signal?: AbortSignal) =>
    api.get<WorkflowRunDetails>(`/api/v1/workflow/runs/${encodeURIComponent(id)}`, {}, signal),
};

export const kStatusTone = { success: 'success', failed: 'danger', retrying: 'warning', skipped: 'neutral' } as const;
export const kStatusWords: Record<RunStatus, string> = {
  success: 'Succeeded', failed: 'Failed', retrying: 'Retrying', skipped: 'Skipped',
};
export const kActionWords = { function: 'Function', webhook: 'Webhook', update: 'Field update' } as const;
