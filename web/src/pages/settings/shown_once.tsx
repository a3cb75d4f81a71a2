// A secret the API hands out once (an API token, a client secret): shown with a copy button
// until "Done", then gone from the page and never kept anywhere (no storage, no state after).
import { useState } from 'preact/hooks';
import { Banner, Button } from '../../ui';

export function ShownOnce({ title, label, secret, onDone }: {
  title: string;
  label: string;
  secret: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<'' | 'yes' | 'no'>('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <Banner tone="success" title={title}>
      <p>Copy it now: it is shown this once and never again.</p>
      <p class="shown-once">
        <span class="shown-once__label">{label}</span>{' '}
        <code class="shown-once__secret" aria-label={label}>{secret}</code>
      </p>
      <div class="form-actions">
        <Button onClick={() => void copy()}>Copy</Button>
        <Button variant="primary" onClick={onDone}>Done</Button>
        <span aria-live="polite">{copied === 'yes' ? 'Copied.' : copied === 'no' ? 'Could not copy: select it and copy it.' : ''}</span>
      </div>
    </Banner>
  );
}
