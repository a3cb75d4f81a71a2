// The signed-in session and the scope the console acts in: the user, their organizations, the
// chosen organization and environment (both read from the URL, see router.tsx), and an API
// client bound to that scope. The only state shared across pages.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Client, Environment, Org, Scope, User } from './api';

export interface Session {
  user: User;
  orgs: Org[];
  org: Org;
  environment: Environment;
  scope: Scope;
  api: Client;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

// The API client for the current organization and environment.
export function useApi(): Client {
  return useSession().api;
}
