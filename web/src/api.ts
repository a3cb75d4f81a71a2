// The console's only way to the server: every call to Relish's REST API goes through here
// (nothing else calls fetch). JSON in and out, the session's CSRF token on every change, the
// organization and environment in the query string as the API reads them (src/api/auth.h:
// `?org=ID&environment=sandbox|production`), and the API's error body ({"code","message"})
// turned into an ApiError whose message is the API's own words.

export type Environment = 'sandbox' | 'production';

// Where a call acts: one of the user's organizations and an environment.
export interface Scope {
  org: string;
  environment: Environment;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'developer';
  created_at: string;
}

export interface Org {
  id: string;
  name: string;
  created_at: string;
}

export interface Me {
  user: User;
  orgs: Org[];
  csrf?: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,  // 0: the server could not be reached
    readonly code: string,    // the API's code ("not_found", ...), or "network" / "bad_response"
    readonly retryAfterSeconds: number | null = null,
    // The error's JSON body as the API sent it: the CRM's per-record errors are in it.
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  scope?: Scope;
  signal?: AbortSignal;
}

// The session's CSRF token lives in memory only: /api/v1/me hands it out again after a reload.
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

// Told when a call answers 401: the session ended (expired, or signed out elsewhere).
let unauthenticatedListener: (() => void) | null = null;
export function onUnauthenticated(listener: (() => void) | null): void {
  unauthenticatedListener = listener;
}

function urlFor(path: string, query: Query | undefined, scope: Scope | undefined): string {
  const params = new URLSearchParams();
  if (scope) {
    params.set('org', scope.org);
    params.set('environment', scope.environment);
  }
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const retry = response.headers.get('Retry-After');
  const retryAfter = retry !== null && /^\d+$/.test(retry) ? Number(retry) : null;
  let code = 'bad_response';
  let message = `the server answered ${response.status} ${response.statusText}`.trim();
  let body: unknown = null;
  try {
    body = await response.json();
    if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
      message = (body as { message: string }).message;
      const c = (body as { code?: unknown }).code;
      if (typeof c === 'string') code = c;
    }
  } catch {
    // Not JSON (a proxy's page): the status line is all there is to say.
  }
  return new ApiError(message, response.status, code, retryAfter, body);
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(urlFor(path, options.query, options.scope), {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal ?? null,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('could not reach the Relish server; check that it is running', 0, 'network');
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && path !== '/api/v1/session') unauthenticatedListener?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError('the server answered with something that is not JSON', response.status, 'bad_response');
  }
}

// Calls bound to a scope: what pages use (useApi() in session.tsx gives the current one).
export interface Client {
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown, query?: Query): Promise<T>;
  put<T>(path: string, body?: unknown, query?: Query): Promise<T>;
  patch<T>(path: string, body?: unknown, query?: Query): Promise<T>;
  delete<T>(path: string, query?: Query): Promise<T>;
}

export function client(scope?: Scope): Client {
  const base = scope ? { scope } : {};
  return {
    get: (path, query, signal) => request('GET', path, { ...base, query, ...(signal ? { signal } : {}) }),
    post: (path, body, query) => request('POST', path, { ...base, body, query }),
    put: (path, body, query) => request('PUT', path, { ...base, body, query }),
    patch: (path, body, query) => request('PATCH', path, { ...base, body, query }),
    delete: (path, query) => request('DELETE', path, { ...base, query }),
  };
}

// The session's own calls, which act in no organization.
export const session = {
  me: () => request<Me>('GET', '/api/v1/me'),
  signIn: (email: string, password: string) =>
    request<{ user: User; csrf: string }>('POST', '/api/v1/session', { body: { email, password } }),
  signOut: () => request<{ signed_out: boolean }>('DELETE', '/api/v1/session'),
  orgs: () => request<{ orgs: Org[] }>('GET', '/api/v1/orgs'),
};
