// The toppings API's shapes (src/api/workflow_api.cc: ToppingJson, PreviewJson) and its calls,
// over a scoped client (useApi(), or one bound to production for the publish page).
import type { Client } from '../../api';

export interface ToppingConnection {
  link_name: string;  // the full one: "<namespace>__<link_name>"
  service: string;
  // The connection's status in the topping's environment: "pending", "connected",
  // "needs_reauth", "revoked", "per_user", or "missing" (deleted since).
  status: string;
  created?: boolean;  // on a push or publish's answer: created by it
}

export interface Topping {
  namespace: string;
  name: string;
  version: string;
  description: string;
  environment: 'sandbox' | 'production';
  installed_by: string;
  installed_at: number;
  functions: string[];
  rules: string[];
  connections: ToppingConnection[];
  fields_added: string[];
}

export interface Changes {
  added: string[];
  changed: string[];
  removed: string[];
}

// GET /api/v1/toppings/{ns}/publish-preview (docs/toppings.md).
export interface PublishPreview {
  namespace: string;
  name: string;
  version: string;
  production_version: string | null;
  functions: Changes;
  rules: Changes;
  fields_to_add: string[];
  connections_to_create: ToppingConnection[];
  connections_to_authorize: ToppingConnection[];
}

export type Files = Record<string, string>;

const path = (ns: string) => `/api/v1/toppings/${encodeURIComponent(ns)}`;

export const toppingsApi = {
  list: async (api: Client, signal?: AbortSignal) =>
    (await api.get<{ toppings: Topping[] }>('/api/v1/toppings', {}, signal)).toppings,
  push: (api: Client, files: Files) => api.post<Topping>('/api/v1/toppings', { files }),
  preview: (api: Client, ns: string, signal?: AbortSignal) =>
    api.get<PublishPreview>(`${path(ns)}/publish-preview`, {}, signal),
  publish: (api: Client, ns: string) => api.post<Topping>(`${path(ns)}/publish`),
  uninstall: (api: Client, ns: string) => api.delete<{ uninstalled: string }>(path(ns)),
};

// The files of a topping folder as the push sends them: "topping.yaml" and "functions/*.dg",
// by their path inside the folder, as the CLI does (anything else in the folder stays home).
// A folder upload names each file "FOLDER/..." (webkitRelativePath); the plain file picker
// gives bare names, so a .dg file is taken to be in functions/.
export function toppingPath(file: { name: string; webkitRelativePath?: string }): string | null {
  const relative = file.webkitRelativePath
    ? file.webkitRelativePath.split('/').slice(1).join('/')
    : file.name.endsWith('.dg') ? `functions/${file.name}` : file.name;
  if (relative === 'topping.yaml') return relative;
  if (/^functions\/[^/]+\.dg$/.test(relative)) return relative;
  return null;
}

// A refused push's message holds one problem per line ("FILE:LINE: reason").
export function problemsOf(message: string): string[] {
  return message.split('\n').filter((line) => line.trim() !== '');
}
