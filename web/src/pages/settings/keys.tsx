// The vault's master key rotation (administrators, after a confirmation) and the sandbox's
// outbound host remap, which is server configuration and shown read-only.
import { useState } from 'preact/hooks';
import { useApi, useSession } from '../../session';
import { Banner, Button, ConfirmDialog, ErrorBanner, Spinner, Table } from '../../ui';
import { useResource } from '../../use_resource';
import { settingsApi, type RotateReport } from './model';

export function MasterKey() {
  const api = useApi();
  const { user } = useSession();
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<RotateReport | null>(null);
  if (user.role !== 'admin') return null;

  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      setReport(await settingsApi.rotateKeys(api));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };

  return (
    <section aria-labelledby="settings-keys">
      <h2 id="settings-keys">Master key</h2>
      <p>Rotation makes new data keys and re-seals every stored secret (credentials, client secrets) under them; with a key file, a new master key too.</p>
      {report && (
        <Banner tone="success" title="Keys rotated" onDismiss={() => setReport(null)}>
          <p>Master key {report.old_master_key} → {report.new_master_key}; {report.resealed} secrets re-sealed.
            {report.master_key_changed ? '' : ' The master key itself comes from RELISH_MASTER_KEY and is yours to change.'}</p>
        </Banner>
      )}
      {error !== null && <ErrorBanner title="The keys could not be rotated" error={error} />}
      <div class="form-actions"><Button variant="danger" onClick={() => setConfirm(true)}>Rotate keys</Button></div>
      {confirm && (
        <ConfirmDialog title="Rotate the keys?" confirmLabel="Rotate" busy={busy}
                       onConfirm={() => void rotate()} onCancel={() => setConfirm(false)}>
          <p>Every secret is re-sealed. Keep a backup of the data directory and its key file first.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

export function SandboxRemap() {
  const api = useApi();
  const remap = useResource((signal) => settingsApi.remap(api, signal), [api]);
  return (
    <section aria-labelledby="settings-remap">
      <h2 id="settings-remap">Sandbox host remap</h2>
      <p>Sandbox calls to these hosts go to the origin beside them instead (the server's <code>sandbox_remap</code> setting; read-only here).</p>
      {remap.status === 'loading' && <Spinner label="Loading the remap…" />}
      {remap.status === 'error' && <ErrorBanner title="Could not load the remap" error={remap.error} />}
      {remap.status === 'ready' && remap.data.length === 0 && <p>No host is remapped: sandbox calls go where their URLs say.</p>}
      {remap.status === 'ready' && remap.data.length > 0 && (
        <Table<{ host: string; origin: string }>
          caption="Remapped hosts" captionHidden rows={remap.data} rowKey={(r) => r.host}
          columns={[
            { header: 'Host', render: (r) => <code>{r.host}</code> },
            { header: 'Goes to', render: (r) => <code>{r.origin}</code> },
          ]} />
      )}
    </section>
  );
}
