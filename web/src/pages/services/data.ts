// The services API calls the pages share, over the session's client (useApi()).
import type { Client } from '../../api';
import type { Catalog, Service } from './types';

export function listServices(api: Client, signal?: AbortSignal): Promise<Catalog> {
  return api.get<Catalog>('/api/v1/services', {}, signal);
}

export function getService(api: Client, id: string, signal?: AbortSignal): Promise<Service> {
  return api.get<Service>(`/api/v1/services/${encodeURIComponent(id)}`, {}, signal);
}
