import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { Button } from './button';

const kFocusable =
    'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), ' +
    'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

// A modal dialog on the browser's own <dialog> (showModal makes the page behind it inert).
// Tab and Shift+Tab cycle inside it rather than leaving for the browser's toolbar, Escape
// calls onClose, and closing gives focus back to what had it before. Rendered only while open:
// `{open && <Dialog ...>}`.
export function Dialog({ title, onClose, children, actions }: {
  title: string;
  onClose: () => void;
  children?: ComponentChildren;
  // The buttons at the bottom (the confirming one last).
  actions?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const unmounted = useRef(false);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      unmounted.current = true;
      dialog.close();
      before?.focus();
    };
  }, []);

  const keepFocusInside = (event: KeyboardEvent) => {
    if (event.key !== 'Tab') return;
    const items = [...ref.current!.querySelectorAll<HTMLElement>(kFocusable)];
    if (items.length === 0) return;
    const first = items[0]!, last = items[items.length - 1]!;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog ref={ref} class="ui-dialog" aria-labelledby={titleId} onKeyDown={keepFocusInside}
            onCancel={(e) => { e.preventDefault(); onClose(); }}
            // Chromium may close a dialog on a second Escape despite preventDefault.
            onClose={() => { if (!unmounted.current) onClose(); }}>
      <h2 id={titleId} class="ui-dialog__title">{title}</h2>
      <div class="ui-dialog__body">{children}</div>
      {actions && <div class="ui-dialog__actions">{actions}</div>}
    </dialog>
  );
}

// "Are you sure?" before something that cannot be undone (a delete, a revoke).
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, busy = false }: {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}) {
  return (
    <Dialog title={title} onClose={onCancel} actions={
      <>
        <Button onClick={onCancel}>Cancel</Button>
        <Button variant="danger" busy={busy} onClick={onConfirm}>{confirmLabel}</Button>
      </>
    }>
      {children}
    </Dialog>
  );
}
