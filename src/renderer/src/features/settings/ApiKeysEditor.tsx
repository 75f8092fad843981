import { useEffect, useState } from 'react'
import type { ApiKeyView } from '../../../../shared/contract/api-keys'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, formatDateTime, formatRelative } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { ApiKeyDialog } from './ApiKeyDialog'
import { RestApiExposureForm } from './RestApiExposureForm'

interface KeysState {
  keys: ApiKeyView[] | null
  loadError: string | null
}

/** The list, or why it could not be loaded (keeping the keys shown before, if any). */
async function fetchKeys(): Promise<(previous: KeysState) => KeysState> {
  try {
    const keys = await api.call('apiKeys:list')
    return () => ({ keys, loadError: null })
  } catch (error) {
    return (previous) => ({ keys: previous.keys, loadError: errorMessage(error) })
  }
}

/** The keys of the local REST API: listed (never the key), created (shown once), revoked. */
export function ApiKeysEditor() {
  const [{ keys, loadError }, setKeysState] = useState<KeysState>({ keys: null, loadError: null })
  const [creating, setCreating] = useState(false)
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null)

  const reload = async () => setKeysState(await fetchKeys())
  useEffect(() => {
    let live = true
    void fetchKeys().then((update) => live && setKeysState(update))
    return () => {
      live = false
    }
  }, [])

  const revoke = async (key: ApiKeyView) => {
    setRevoking(null)
    try {
      await api.call('apiKeys:revoke', { id: key.id })
      appStore.getState().showToast(`API key ${key.name} revoked.`, 'success')
    } catch (error) {
      appStore.getState().showToast(`Could not revoke ${key.name}: ${errorMessage(error)}`, 'error')
    }
    await reload()
  }

  return (
    <section className="settings-section" aria-label="Local REST API keys">
      <div className="section-title-row">
        <h2>Local REST API keys</h2>
        <button type="button" className="button" onClick={() => setCreating(true)}>
          Create key
        </button>
      </div>
      <p className="section-help">Scripts send a key as a Bearer token to the local REST API. A key is shown once, when it is created.</p>
      <RestApiExposureForm />
      {loadError ? (
        <p className="empty-line text-error">
          The keys could not be loaded: {loadError}{' '}
          <button type="button" className="link-button" onClick={() => void reload()}>
            Try again
          </button>
        </p>
      ) : null}
      {keys === null ? (
        loadError ? null : <p className="muted">Loading…</p>
      ) : keys.length === 0 ? (
        <p className="empty-line">No API key yet. Create one for each script or tool that calls the local REST API.</p>
      ) : (
        <ul className="apps-list" aria-label="API keys">
          {keys.map((key) => (
            <li key={key.id} className={`app-item${key.revokedAt ? ' is-revoked' : ''}`} aria-label={key.name}>
              <div className="app-head">
                <strong className="app-name">{key.name}</strong>
                <span className="mono muted">{key.prefix ? `${key.prefix}…` : 'no prefix'}</span>
                <span className="app-actions">
                  {key.revokedAt ? (
                    <span className="chip chip-cancelled" title={formatDateTime(key.revokedAt)}>
                      Revoked
                    </span>
                  ) : (
                    <button type="button" className="link-button text-error" aria-label={`Revoke ${key.name}`} onClick={() => setRevoking(key)}>
                      Revoke
                    </button>
                  )}
                </span>
              </div>
              <dl className="app-facts">
                <dt>Scopes</dt>
                <dd>{key.scopes.length ? key.scopes.join(' ') : 'default (tokens hidden)'}</dd>
                <dt>Created</dt>
                <dd title={formatDateTime(key.createdAt)}>{formatRelative(key.createdAt)}</dd>
                <dt>Last used</dt>
                <dd title={key.lastUsed ? formatDateTime(key.lastUsed) : undefined}>{key.lastUsed ? formatRelative(key.lastUsed) : 'never'}</dd>
                {key.revokedAt ? (
                  <>
                    <dt>Revoked</dt>
                    <dd title={formatDateTime(key.revokedAt)}>{formatRelative(key.revokedAt)}</dd>
                  </>
                ) : null}
              </dl>
            </li>
          ))}
        </ul>
      )}
      {creating ? <ApiKeyDialog onClose={() => setCreating(false)} onCreated={() => void reload()} /> : null}
      {revoking ? (
        <Dialog
          title={`Revoke API key ${revoking.name}?`}
          onClose={() => setRevoking(null)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setRevoking(null)}>
                Keep it
              </button>
              <button type="button" className="button button-danger" onClick={() => void revoke(revoking)}>
                Revoke
              </button>
            </>
          }
        >
          <p className="dialog-summary">Requests with this key are refused at once. This cannot be undone; create a new key if it is still needed.</p>
        </Dialog>
      ) : null}
    </section>
  )
}
