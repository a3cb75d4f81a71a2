// The Settings section's calls (docs/console.md, "Settings"): personal API tokens, the
// organization's members and their roles, the OAuth server's clients, key rotation and the
// sandbox host remap.
import type { Client, User } from '../../api';

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

export interface OAuthClient {
  client_id: string;
  name: string;
  redirect_uris: string[];
  scopes: string[];
  confidential: boolean;
  system?: boolean;
  created_at: number;
}

export interface RotateReport {
  old_master_key: string;
  new_master_key: string;
  resealed: number;
  master_key_changed: boolean;
}

export const settingsApi = {
  tokens: async (api: Client, signal?: AbortSignal) =>
    (await api.get<{ tokens: ApiToken[] }>('/api/v1/tokens', {}, signal)).tokens,
  createToken: (api: Client, name: string, expiresInDays: number | null) =>
    api.post<ApiToken & { token: string }>('/api/v1/tokens',
      expiresInDays ? { name, expires_in_days: expiresInDays } : { name }),
  revokeToken: (api: Client, id: string) => api.delete(`/api/v1/tokens/${encodeURIComponent(id)}`),

  members: async (api: Client, org: string, signal?: AbortSignal) =>
    (await api.get<{ users: User[] }>(`/api/v1/orgs/${encodeURIComponent(org)}/members`, {}, signal)).users,
  addUser: (api: Client, org: string, user: { email: string; name: string; password: string; role: string }) =>
    api.post<User>('/api/v1/users', { ...user, orgs: [org] }),
  setRole: (api: Client, id: string, role: string) =>
    api.patch<User>(`/api/v1/users/${encodeURIComponent(id)}`, { role }),

  clients: async (api: Client, signal?: AbortSignal) =>
    (await api.get<{ clients: OAuthClient[] }>('/api/v1/oauth/clients', {}, signal)).clients,
  createClient: (api: Client, c: { name: string; redirect_uris: string[]; public: boolean }) =>
    api.post<OAuthClient & { client_secret: string | null }>('/api/v1/oauth/clients', c),
  rotateClient: (api: Client, id: string) =>
    api.post<OAuthClient & { client_secret: string }>(`/api/v1/oauth/clients/${encodeURIComponent(id)}/secret`),
  deleteClient: (api: Client, id: string) => api.delete(`/api/v1/oauth/clients/${encodeURIComponent(id)}`),

  rotateKeys: (api: Client) => api.post<RotateReport>('/api/v1/keys/rotate'),
  remap: async (api: Client, signal?: AbortSignal) =>
    (await api.get<{ remap: { host: string; origin: string }[] }>('/api/v1/sandbox/remap', {}, signal)).remap,
};
