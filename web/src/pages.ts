// The console's pages, in navigation order. A page is a section of the URL (/connections/...)
// and a module loaded when first opened (its own chunk: a page's libraries never weigh on the
// first load). To add one: a module in pages/ whose default export takes PageProps, an entry
// here, and its section in kConsoleSections (src/server/static_files.cc) so the server serves
// the console for its URLs.
import type { ComponentType } from 'preact';

export interface PageProps {
  // The path under the page's section: "" for /connections, "/c_1" for /connections/c_1.
  subpath: string;
}

export interface Page {
  section: string;
  title: string;
  load: () => Promise<{ default: ComponentType<PageProps> }>;
}

export const pages: Page[] = [
  { section: 'connections', title: 'Connections', load: () => import('./pages/connections') },
  { section: 'services', title: 'Services', load: () => import('./pages/services') },
  { section: 'functions', title: 'Functions', load: () => import('./pages/functions') },
  { section: 'rules', title: 'Workflow rules', load: () => import('./pages/rules') },
  { section: 'runs', title: 'Executions', load: () => import('./pages/runs') },
  { section: 'toppings', title: 'Toppings', load: () => import('./pages/toppings') },
  { section: 'crm', title: 'CRM', load: () => import('./pages/crm') },
  { section: 'audit', title: 'Audit', load: () => import('./pages/audit') },
  { section: 'settings', title: 'Settings', load: () => import('./pages/settings') },
];

// Where "/" goes.
export const homeSection = 'connections';

export function pageFor(path: string): { page: Page; subpath: string } | null {
  const section = path.split('/')[1] ?? '';
  const page = pages.find((p) => p.section === section);
  return page ? { page, subpath: path.slice(section.length + 1) } : null;
}
