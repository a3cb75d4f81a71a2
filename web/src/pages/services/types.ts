// The services API's shapes (src/api/connections_api.cc, ServiceSummary): what a service says
// about how to authenticate to an API, as GET /api/v1/services and /services/{id} answer.

export type AuthScheme = 'oauth2' | 'oauth2_client_credentials' | 'oauth1' | 'api_key' | 'basic' | 'bearer' | 'none';

export interface ServiceParameter {
  name: string;
  label: string;
  pattern: string;
  default?: string;
  captured?: boolean;  // set by the authorization (Salesforce's instance, Zoho's data centre): not asked
  user_chosen_host?: boolean;  // a whole host the user names (WooCommerce's store): confirmed on the form
}

export interface CredentialField {
  name: string;
  label: string;
}

export interface Service {
  id: string;
  name: string;
  auth: AuthScheme;
  description: string;
  docs: string;
  category: string;  // one of the catalog's categories
  builtin: boolean;
  base_url: string;
  test_call: boolean;  // the service defines a test call: health probes need one
  parameters: ServiceParameter[];
  created_by?: string;  // custom services only
  scopes?: string[];          // OAuth 2.0 services
  default_scopes?: string[];
  credential_fields?: CredentialField[];  // api_key, basic, bearer
  definition?: string;  // GET /services/{id} only: the YAML
}

// GET /api/v1/services: the services, and the fixed set of categories in the order to show them.
export interface Catalog {
  services: Service[];
  categories: string[];
}

// GET /api/v1/services/{id}/client: never the secret, only whether one is set.
export interface ClientInfo {
  service: string;
  org: string;
  client_id: string | null;
  client_secret_set: boolean;
  installation_wide: boolean;
}

// POST /api/v1/services/discover.
export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  scopes_supported: string[];
  pkce: boolean;
  draft: string;
}

// The auth schemes in words, as the catalog and the forms say them.
export const kAuthWords: Record<AuthScheme, string> = {
  oauth2: 'OAuth 2.0',
  oauth2_client_credentials: 'OAuth 2.0 client credentials',
  oauth1: 'OAuth 1.0a',
  api_key: 'API key',
  basic: 'Basic (user name and password)',
  bearer: 'Bearer token',
  none: 'No authentication',
};

// Schemes whose connections need the organization's OAuth app (PUT /services/{id}/client).
export function usesOAuthApp(auth: AuthScheme): boolean {
  return auth === 'oauth2' || auth === 'oauth2_client_credentials' || auth === 'oauth1';
}

// Schemes authorized in the browser at the provider (POST .../authorize, then the callback).
export function authorizesInBrowser(auth: AuthScheme): boolean {
  return auth === 'oauth2' || auth === 'oauth1';
}
