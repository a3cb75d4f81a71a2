// The functions pages' data as the REST API gives it (docs/functions.md, docs/workflow.md), and
// the calls that fetch and change it. Stored functions live under /api/v1/workflow/functions;
// checking, completion, runs and their records under /api/v1/functions.
import type { Client } from '../../api';
import type { CompletionItem, SourceDiagnostic } from '../../editor/types';

export interface FunctionSummary {
  name: string;
  topping: string;           // "" for the organization's own
  description: string;
  params: string[];          // the header's parameters, or the declared arguments
  has_header: boolean;
  created_by: string;
  created_at: number;        // ms since the epoch
  updated_at: number;
}

export interface StoredFunction extends FunctionSummary {
  source: string;
}

// A function header as the checker read it: `map standalone.sync(Int id)`, types in lowercase.
export interface Header {
  name: string;
  return_type: string;
  params: { name: string; type: string }[];
}

// POST /api/v1/functions/check: the problems (at most 100; `truncated` past that) and the header.
export interface CheckAnswer {
  diagnostics: SourceDiagnostic[];
  truncated: boolean;
  header: Header | null;
}

export interface OutboundCall {
  method: string;
  url: string;               // credentials removed by the server
  connection: string | null;
  task: string | null;
  status: number;            // 0: no response came
  latency_us: number;
  error: string | null;
}

// Where a run stopped: the failing statement's line and column (UTF-16 units, from 1).
export interface RunError {
  line: number;
  column: number;
  message: string;
}

// What a run did, as the run's answer and its record both say it.
export interface RunOutcome {
  ok: boolean;
  error: RunError | null;
  info: string[];
  calls: OutboundCall[];
  mails: string[];
  return: unknown;
  statements: number;
  started_at: number;
  ended_at: number;
}

// POST /api/v1/functions/run.
export interface RunResult extends RunOutcome {
  run_id: string;
}

// A recorded run as GET /api/v1/functions/runs lists it.
export interface RunSummary {
  id: string;
  environment: string;
  topping: string;
  function: string | null;   // null: a script of its own
  user_id: string;
  user_email: string;
  user_name: string;  // "" for runs recorded before names were
  ok: boolean;
  error: RunError | null;
  statements: number;
  started_at: number;
  ended_at: number;
}

// GET /api/v1/functions/runs/{id}: the summary and what the run answered (`truncated`: some of
// it was left out to keep the record under 64 KB).
export interface RecordedRun extends RunSummary, RunOutcome {
  args: Record<string, unknown>;
  truncated: boolean;
}

// Which function: its topping ("" for the organization's own) and name.
export interface FunctionRef {
  topping: string;
  name: string;
}

const kStored = '/api/v1/workflow/functions';
export const kRunsPerPage = 20;

// The topping is always named; the organization's own functions are topping="".
function toppingQuery(ref: FunctionRef) {
  return { topping: ref.topping };
}

export const functionsApi = {
  list: (api: Client, signal?: AbortSignal) =>
    api.get<{ functions: FunctionSummary[] }>(kStored, {}, signal).then((r) => r.functions),
  get: (api: Client, ref: FunctionRef, signal?: AbortSignal) =>
    api.get<StoredFunction>(`${kStored}/${encodeURIComponent(ref.name)}`, toppingQuery(ref), signal),
  put: (api: Client, ref: FunctionRef, body: { source: string; description: string; params: string[] }) =>
    api.put<StoredFunction>(`${kStored}/${encodeURIComponent(ref.name)}`, body, toppingQuery(ref)),
  remove: (api: Client, ref: FunctionRef) =>
    api.delete<{ deleted: string }>(`${kStored}/${encodeURIComponent(ref.name)}`, toppingQuery(ref)),
  check: (api: Client, source: string, params: string[]) =>
    api.post<CheckAnswer>('/api/v1/functions/check', { source, params }),
  completions: (api: Client, signal?: AbortSignal) =>
    api.get<Completions>('/api/v1/functions/completions', {}, signal).then(completionItems),
  // Runs the stored function with `source` (the editor's text) in its place; the run is
  // recorded as the function's.
  run: (api: Client, ref: FunctionRef, source: string, args: Record<string, unknown>) =>
    api.post<RunResult>('/api/v1/functions/run', { function: ref.name, topping: ref.topping, source, args }),
  // A page of the function's runs in the current environment, newest first; `next` is where the
  // following page starts (null: none).
  runs: (api: Client, ref: FunctionRef, before: string | null, signal?: AbortSignal) =>
    api.get<{ runs: RunSummary[]; next: string | null }>('/api/v1/functions/runs', {
      function: ref.name, ...toppingQuery(ref), limit: kRunsPerPage, ...(before ? { before } : {}),
    }, signal),
  getRun: (api: Client, id: string, signal?: AbortSignal) =>
    api.get<RecordedRun>(`/api/v1/functions/runs/${encodeURIComponent(id)}`, {}, signal),
};

// GET /api/v1/functions/completions (the runtime's own tables, docs/functions.md).
interface Entry {
  name: string;
  signature: string;
  description: string;
}

interface Completions {
  functions: Entry[];
  methods: (Entry & { receivers: string[] })[];
  tasks: (Entry & { available: boolean })[];
  keywords: (Entry & { snippet: string })[];
  variables: Entry[];
  types: string[];
  connections: { link_name: string; name: string; service: string; status: string }[];
}

// A signature without the name it starts with: "(v, fallback)" beside "ifnull".
function parametersIn(e: Entry): string {
  return e.signature.startsWith(e.name) ? e.signature.slice(e.name.length) : e.signature;
}

// Sentences joined, the empty ones left out.
const sentences = (...parts: string[]) => parts.filter(Boolean).join(' ');

function completionItems(c: Completions): CompletionItem[] {
  const entry = (kind: CompletionItem['kind'], e: Entry, info = e.description): CompletionItem => {
    const detail = parametersIn(e);
    return { label: e.name, kind, ...(detail ? { detail } : {}), ...(info ? { info } : {}) };
  };
  return [
    ...c.keywords.map((k) => ({ ...entry('keyword', k), snippet: k.snippet })),
    ...c.functions.map((f) => entry('function', f)),
    ...c.methods.map((m) => entry('method', m, sentences(m.description, m.receivers.includes('any') ? 'On any value.' : `On ${m.receivers.join(', ')} values.`))),
    ...c.tasks.map((t) => entry('task', t, sentences(t.description,
      t.available ? '' : 'Relish does not offer this task yet: a run that calls it fails.'))),
    ...c.variables.map((v) => entry('variable', v)),
    ...c.types.map((t): CompletionItem => ({ label: t, kind: 'type' })),
    ...c.connections.map((l): CompletionItem => ({ label: l.link_name, kind: 'connection', detail: l.service,
                                                   info: `${l.name}: ${l.status.replace('_', ' ')}` })),
  ];
}

// Who ran a function: "Name <email>", or the email alone when no name was recorded.
export function runBy(run: { user_name: string; user_email: string }): string {
  return run.user_name ? `${run.user_name} <${run.user_email}>` : run.user_email;
}
