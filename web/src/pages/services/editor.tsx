// A custom service's definition, written as YAML (the same schema as services/*.yaml) in the
// code editor: checked as it is typed (POST /api/v1/services/validate, when typing stops), its
// message shown at its line and column as the editor's diagnostic and under it in Problems; "Discover from
// issuer" fills a draft from the provider's RFC 8414 / OpenID metadata
// (POST /api/v1/services/discover). Creates (POST /services) or saves (PUT /services/ID).
import { useRef, useState } from 'preact/hooks';
import { ApiError, type Client } from '../../api';
import { LazyCodeEditor } from '../../editor/lazy';
import { Problems } from '../../editor/problems';
import type { CheckState, EditorHandle, SourceDiagnostic } from '../../editor/types';
import { Link, navigate, useUnsavedChanges } from '../../router';
import { useApi } from '../../session';
import { useResource } from '../../use_resource';
import { Banner, Button, ErrorBanner, Field, Spinner } from '../../ui';
import { Scope } from '../scope';
import { getService } from './data';
import type { Discovery, Service } from './types';

// What a new definition starts from: the smallest service that validates, to be edited.
const kTemplate = `id: my_api
name: My API
description: What this API is for
docs: https://api.example.com/docs
auth: bearer
base_url: https://api.example.com/v1
allowed_hosts: [api.example.com]
`;

// The API's validation message names its line and column ("service:7:3: 'api_key.fields' must
// ..."): the diagnostic runs from there to the end of the line. A message without a place
// marks the first line.
function diagnosticOf(text: string, message: string): SourceDiagnostic {
  const m = /^service:(\d+):(\d+): (.*)$/s.exec(message);
  const lines = text.split('\n');
  const line = m ? Math.min(Number(m[1]), lines.length) : 1;
  const content = lines[line - 1] ?? '';
  const indent = content.length - content.trimStart().length;
  const column = m ? Math.min(Number(m[2]), content.length + 1) : indent + 1;
  return { line, column, end_line: line, end_column: content.length + 1, severity: 'error',
           message: m ? m[3]! : message.replace(/^service: /, '') };
}

// Validates a definition: the service it defines, or the problem at its line.
async function validate(api: Client, text: string): Promise<{ service: Service | null; diagnostics: SourceDiagnostic[] }> {
  try {
    const answer = await api.post<{ valid: boolean; service: Service }>('/api/v1/services/validate', { yaml: text });
    return { service: answer.service, diagnostics: [] };
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) return { service: null, diagnostics: [diagnosticOf(text, e.message)] };
    throw e;  // the checker could not answer: Problems says so
  }
}

export function NewService() {
  return <ServiceEditor initial={kTemplate} existing={null} />;
}

export function EditService({ id }: { id: string }) {
  const api = useApi();
  const service = useResource((signal) => getService(api, id, signal), [api, id]);
  if (service.status === 'loading') return <Spinner label={`Loading the service ${id}…`} />;
  if (service.status === 'error') {
    return <><h1>Edit {id}</h1><ErrorBanner title="Could not load the service" error={service.error} /></>;
  }
  return <ServiceEditor initial={service.data.definition ?? ''} existing={service.data} />;
}

function ServiceEditor({ initial, existing }: { initial: string; existing: Service | null }) {
  const api = useApi();
  const [yaml, setYaml] = useState(initial);
  const current = useRef(yaml);
  current.current = yaml;
  const [check, setCheck] = useState<CheckState>({ status: 'checking', diagnostics: [], error: null });
  // The service the current text defines, once the server has said so.
  const [valid, setValid] = useState<Service | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const editor = useRef<EditorHandle>(null);
  const form = useRef<HTMLFormElement>(null);
  useUnsavedChanges(() => yaml !== initial, 'The service definition');

  const checkText = async (text: string) => {
    const answer = await validate(api, text);
    if (text === current.current) setValid(answer.service);
    return answer.diagnostics;
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = existing
        ? await api.put<Service>(`/api/v1/services/${encodeURIComponent(existing.id)}`, { yaml })
        : await api.post<Service>('/api/v1/services', { yaml });
      navigate(`/services/${saved.id}`, { force: true });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const title = existing ? `Edit ${existing.name}` : 'New custom service';
  return (
    <>
      <p class="breadcrumb"><Link href="/services">Services</Link></p>
      <h1>{title}</h1>
      <Scope />
      <p>A custom service belongs to this organization: only its members see and use it. The schema is
         the default services' own; see <code>docs/services.md</code>.</p>
      {existing === null && <Discover onDraft={(draft) => editor.current?.setText(draft)} />}
      <form ref={form} class="panel service-form" onSubmit={save} aria-label={title}>
        {error !== null && <ErrorBanner title={existing ? 'Could not save the service' : 'Could not create the service'} error={error} />}
        <h2 class="editor-label">Definition</h2>
        <LazyCodeEditor label="Definition (YAML)" language="yaml" initial={initial} onChange={setYaml}
                        check={checkText} onCheck={setCheck} handle={editor}
                        onSave={() => form.current?.requestSubmit()} />
        <p class="editor-hint">Ctrl+S saves; Tab leaves the editor (indent with Ctrl+]).</p>
        <Problems check={check} clean={valid ? `Valid: ${valid.name} (${valid.id}).` : undefined}
                  onGoTo={(line, column) => editor.current?.goToLine(line, column)} />
        <div class="form-actions">
          <Button type="submit" variant="primary" busy={busy}>{existing ? 'Save changes' : 'Create service'}</Button>
          <Link class="ui-button ui-button--secondary" href={existing ? `/services/${existing.id}` : '/services'}>Cancel</Link>
        </div>
      </form>
    </>
  );
}

// The issuer's metadata as a draft definition: endpoints, scopes, PKCE and client
// authentication filled in; the id, name and API hosts left for the user.
function Discover({ onDraft }: { onDraft: (yaml: string) => void }) {
  const api = useApi();
  const [issuer, setIssuer] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [found, setFound] = useState<Discovery | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setFound(null);
    try {
      const discovery = await api.post<Discovery>('/api/v1/services/discover', { issuer });
      setFound(discovery);
      onDraft(discovery.draft);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="discover-title">
      <h2 id="discover-title">Discover from issuer</h2>
      <p>An OAuth 2.0 or OpenID provider publishes its endpoints (RFC 8414, OpenID Connect Discovery): give its
         issuer URL and the definition below becomes a draft to finish.</p>
      {error !== null && <ErrorBanner title="Could not discover the provider" error={error} />}
      {found && (
        <Banner tone="success" title={`Draft from ${found.issuer}`}>
          <p>Token endpoint {found.token_endpoint}; {found.scopes_supported.length} scopes; PKCE {found.pkce ? 'supported' : 'not supported'}.
             Now set the id, the name, the API's base_url and its allowed_hosts.</p>
        </Banner>
      )}
      <Field label="Issuer URL" type="url" value={issuer} onValue={setIssuer} required placeholder="https://login.example.com" />
      <Button type="submit" busy={busy}>Discover</Button>
    </form>
  );
}
