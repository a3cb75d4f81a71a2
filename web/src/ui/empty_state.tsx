import type { ComponentChildren } from 'preact';

// What a page shows when it has nothing to list: what the thing is, and what to do first.
export function EmptyState({ title, children, action }: {
  title: string;
  children?: ComponentChildren;
  action?: ComponentChildren;
}) {
  return (
    <section class="ui-empty" aria-label={title}>
      <h2 class="ui-empty__title">{title}</h2>
      {children && <div class="ui-empty__body">{children}</div>}
      {action && <div class="ui-empty__action">{action}</div>}
    </section>
  );
}
