// The signed-in console: the environment bar, the header (organization, environment, user,
// theme, sign out), the navigation and the current page.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Environment } from './api';
import { homeSection, pageFor, pages, type Page, type PageProps } from './pages';
import { Link, navigate, useLocation } from './router';
import { useSession } from './session';
import { useTheme } from './theme';
import { Button, EmptyState, ErrorBanner, Spinner } from './ui';

export function Shell() {
  const { path } = useLocation();
  const found = pageFor(path);
  useEffect(() => {
    if (path === '/') navigate(`/${homeSection}`, { replace: true, force: true });
  }, [path]);
  useEffect(() => {
    document.title = `${found ? found.page.title : 'Page not found'} · Relish`;
  }, [found?.page]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main">Skip to content</a>
      <EnvironmentBar />
      <Header />
      <div class="shell__body">
        <Navigation current={found?.page ?? null} />
        <main class="shell__main" id="main" tabIndex={-1}>
          {found ? <PageLoader key={found.page.section} page={found.page} subpath={found.subpath} />
                 : path !== '/' && <NotFound />}
        </main>
      </div>
    </div>
  );
}

// Production is marked by words as well as colour, on every page.
function EnvironmentBar() {
  const { environment } = useSession();
  if (environment !== 'production') return null;
  return (
    <div class="env-bar" role="note">
      <strong>Production</strong>: changes here act on live data and real services.
    </div>
  );
}

function Header() {
  const { user, orgs, org, environment, signOut } = useSession();
  const [theme, toggleTheme] = useTheme();
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Another organization or environment has other objects: go to the section's list.
  const section = `/${useLocation().path.split('/')[1] || homeSection}`;
  // False when the user chose to stay with an editor's unsaved changes.
  const switchTo = (orgId: string, env: Environment) =>
    navigate(`${section}?org=${encodeURIComponent(orgId)}&environment=${env}`);
  const doSignOut = async () => {
    setSigningOut(true);
    try {
      await signOut();
    } catch (e) {
      setError(e);
      setSigningOut(false);
    }
  };
  return (
    <header class={`topbar topbar--${environment}`}>
      <Link class="topbar__brand" href={`/${homeSection}`}>Relish</Link>
      <div class="topbar__scope">
        <label class="topbar__org">
          <span class="topbar__caption">Organization</span>
          <select class="ui-input" value={org.id} onChange={(e) => {
            if (!switchTo(e.currentTarget.value, environment)) e.currentTarget.value = org.id;
          }}>
            {orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </label>
        <fieldset class="env-switch">
          <legend class="topbar__caption">Environment</legend>
          {(['sandbox', 'production'] as const).map((env) => (
            <label key={env} class={`env-switch__option env-switch__option--${env}`}>
              <input type="radio" name="environment" value={env} checked={environment === env}
                     onChange={(e) => {
                       // Staying: the choice goes back to the environment still shown.
                       if (!switchTo(org.id, env)) e.currentTarget.checked = false;
                     }} />
              <span>{env === 'sandbox' ? 'Sandbox' : 'Production'}</span>
            </label>
          ))}
        </fieldset>
      </div>
      <div class="topbar__account">
        <span class="topbar__user" title={user.email}>
          <span class="topbar__caption">Signed in as</span> <span class="topbar__email">{user.email}</span>
        </span>
        <Button variant="ghost" onClick={toggleTheme} aria-pressed={theme === 'dark' ? 'true' : 'false'}>
          Dark theme
        </Button>
        <Button onClick={doSignOut} busy={signingOut}>Sign out</Button>
      </div>
      {error !== null && <ErrorBanner title="Could not sign out" error={error} onDismiss={() => setError(null)} />}
    </header>
  );
}

function Navigation({ current }: { current: Page | null }) {
  return (
    <nav class="nav" aria-label="Console">
      <ul>
        {pages.map((p) => (
          <li key={p.section}>
            <Link href={`/${p.section}`} aria-current={p === current ? 'page' : undefined}>{p.title}</Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

const loaded = new Map<Page, ComponentType<PageProps>>();

// A page's module is fetched the first time it is opened.
function PageLoader({ page, subpath }: { page: Page; subpath: string }) {
  const [component, setComponent] = useState(() => loaded.get(page) ?? null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (component) return;
    page.load().then(
      (module) => {
        loaded.set(page, module.default);
        setComponent(() => module.default);
      },
      (e: unknown) => setError(e));
  }, [page]);
  if (error !== null) return <ErrorBanner title={`Could not load ${page.title}`} error={error} />;
  if (!component) return <Spinner label={`Loading ${page.title}…`} />;
  const PageComponent = component;
  return <PageComponent subpath={subpath} />;
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <EmptyState title="There is no such page"
                  action={<Link class="ui-button ui-button--primary" href={`/${homeSection}`}>Go to {pageFor(`/${homeSection}`)?.page.title}</Link>}>
        <p>The address may be mistyped, or the page is not part of this version of Relish.</p>
      </EmptyState>
    </>
  );
}
