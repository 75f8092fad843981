import { useState } from 'react'
import { apiKeyNameSchema, type ApiKeyScope, type CreatedApiKey } from '../../../../shared/contract/api-keys'
import { api, ApiError } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { copyText } from '../logs/clipboard'

interface ApiKeyDialogProps {
  onClose(): void
  /** Called once the key exists (the dialog stays open to show it). */
  onCreated(key: CreatedApiKey): void
}

/** Creates a local REST API key, then shows the key itself once: it is never stored in plaintext. */
export function ApiKeyDialog({ onClose, onCreated }: ApiKeyDialogProps) {
  const [name, setName] = useState('')
  const [tokensRead, setTokensRead] = useState(false)
  const [touched, setTouched] = useState(false)
  const [serverError, setServerError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<CreatedApiKey | null>(null)
  const parsed = apiKeyNameSchema.safeParse(name)
  const nameError = serverError ?? (parsed.success ? null : `The name ${parsed.error.issues[0]?.message ?? 'is not valid'}.`)

  const create = async () => {
    setTouched(true)
    if (!parsed.success) return
    setBusy(true)
    try {
      const scopes: ApiKeyScope[] = tokensRead ? ['tokens:read'] : []
      const key = await api.call('apiKeys:create', { name: parsed.data, scopes })
      setCreated(key)
      onCreated(key)
    } catch (error) {
      const field = error instanceof ApiError ? (error.details?.fields as Record<string, string> | undefined)?.name : undefined
      if (field) setServerError(`The name ${field}.`)
      else appStore.getState().showToast(`Could not create the API key: ${errorMessage(error)}`, 'error')
    } finally {
      setBusy(false)
    }
  }

  const copy = async (key: string) => {
    try {
      await copyText(key)
      appStore.getState().showToast('API key copied.', 'success')
    } catch (error) {
      appStore.getState().showToast(`Could not copy the key: ${errorMessage(error)}. Select it and copy it by hand.`, 'error')
    }
  }

  if (created) {
    return (
      <Dialog
        title={`API key ${created.name} created`}
        onClose={onClose}
        footer={
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <p className="dialog-summary">Copy the key now: it will not be shown again. Send it as <code>Authorization: Bearer …</code>.</p>
        <div className="key-reveal">
          <input
            className="mono"
            readOnly
            value={created.key}
            aria-label="New API key"
            spellCheck={false}
            onFocus={(event) => event.currentTarget.select()}
          />
          <button type="button" className="button" onClick={() => void copy(created.key)}>
            Copy
          </button>
        </div>
      </Dialog>
    )
  }

  const shownError = touched ? nameError : null
  return (
    <Dialog
      title="Create API key"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="api-key-form" className="button button-primary" disabled={busy || Boolean(shownError)}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </>
      }
    >
      <form
        id="api-key-form"
        className="form-grid"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void create()
        }}
      >
        <label htmlFor="api-key-name">Name</label>
        <div className={`form-control${shownError ? ' has-error' : ''}`}>
          <input
            id="api-key-name"
            value={name}
            maxLength={100}
            autoComplete="off"
            aria-invalid={shownError ? true : undefined}
            onChange={(event) => {
              setName(event.target.value)
              setTouched(true)
              setServerError(null)
            }}
          />
          {shownError ? (
            <p className="setting-error" role="alert">
              {shownError}
            </p>
          ) : (
            <p className="setting-help">What uses the key, e.g. the reporting script.</p>
          )}
        </div>
        <span />
        <div className="form-control">
          <label className="check-line">
            <input type="checkbox" checked={tokensRead} onChange={(event) => setTokensRead(event.target.checked)} /> Can read tokens (tokens:read)
          </label>
          <p className="setting-help">Without it, session answers leave out the access and refresh tokens.</p>
        </div>
      </form>
    </Dialog>
  )
}
