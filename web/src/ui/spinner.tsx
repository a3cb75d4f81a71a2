// A loading indicator with its words ("Loading connections…"), announced politely.
export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="ui-spinner" role="status">
      <span class="ui-spinner__wheel" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}
