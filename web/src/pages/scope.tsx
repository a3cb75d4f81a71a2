// Under a page's title: which organization and environment it shows, and `extra` after them.
import { useSession } from '../session';

export function Scope({ extra }: { extra?: string }) {
  const { org, environment } = useSession();
  return (
    <p class="page__scope">
      {org.name} · {environment === 'production' ? 'Production' : 'Sandbox'}{extra ? ` · ${extra}` : ''}
    </p>
  );
}
