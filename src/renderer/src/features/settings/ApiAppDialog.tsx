import { useMemo, useState, type ReactNode } from 'react'
import type { ApiAppView } from '../../../../shared/contract/settings'
import { api, ApiError } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { draftOf, newDraft, toInput, validateApiApp, type ApiAppDraft, type ApiAppErrors, type ApiAppField } from './api-app-form'

interface ApiAppDialogProps {
  /** The app to edit; null adds a new one. */
  app: ApiAppView | null
  apps: readonly ApiAppView[]
  onClose(): void
  onSaved(app: ApiAppView): void
}

/** Add or edit an API app. Errors show once a field was touched (or on Save); nothing is sent while one remains. */
export function ApiAppDialog({ app, apps, onClose, onSaved }: ApiAppDialogProps) {
  const [draft, setDraft] = useState<ApiAppDraft>(() => (app ? draftOf(app) : newDraft()))
  const [touched, setTouched] = useState<ReadonlySet<ApiAppField>>(() => new Set())
  const [serverErrors, setServerErrors] = useState<ApiAppErrors>({})
  const [busy, setBusy] = useState(false)
  const errors = useMemo(() => ({ ...serverErrors, ...validateApiApp(draft, app, apps) }), [draft, app, apps, serverErrors])
  const invalid = Object.keys(errors).length > 0

  const set = <K extends ApiAppField>(field: K, value: ApiAppDraft[K]) => {
    setDraft((previous) => ({ ...previous, [field]: value }))
    setTouched((previous) => new Set(previous).add(field))
    setServerErrors(({ [field]: _gone, ...rest }) => rest)
  }
  const shown = (field: ApiAppField) => (touched.has(field) ? errors[field] : undefined)

  const save = async () => {
    setTouched(new Set(Object.keys(draft) as ApiAppField[]))
    if (invalid) return
    setBusy(true)
    try {
      const saved = await api.call('apiApps:save', toInput(draft))
      appStore.getState().showToast(`API app ${saved.name} saved.`, 'success')
      onSaved(saved)
    } catch (error) {
      const fields = error instanceof ApiError ? (error.details?.fields as ApiAppErrors | undefined) : undefined
      if (fields) setServerErrors(fields)
      else appStore.getState().showToast(`Could not save the API app: ${errorMessage(error)}`, 'error')
      setBusy(false)
    }
  }

  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} disabled={busy}>
        Cancel
      </button>
      <button type="submit" form="api-app-form" className="button button-primary" disabled={busy || (invalid && touched.size > 0)}>
        {busy ? 'Saving…' : 'Save API app'}
      </button>
    </>
  )

  return (
    <Dialog title={app ? `Edit API app ${app.name}` : 'Add API app'} onClose={onClose} footer={footer} busy={busy}>
      <form
        id="api-app-form"
        className="form-grid"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          void save()
        }}
      >
        <Field id="app-name" label="Name" error={shown('name')} help="As the operator calls it, e.g. AIOTT1.">
          <input id="app-name" value={draft.name} disabled={Boolean(app)} onChange={(e) => set('name', e.target.value)} aria-invalid={shown('name') ? true : undefined} />
        </Field>
        <Field id="app-oauth" label="OAuth version" error={shown('oauthVersion')}>
          <select id="app-oauth" value={draft.oauthVersion} onChange={(e) => set('oauthVersion', e.target.value as ApiAppDraft['oauthVersion'])}>
            <option value="2.0">OAuth 2.0 (PKCE)</option>
            <option value="1.0a">OAuth 1.0a</option>
          </select>
        </Field>
        <Field id="app-type" label="Client type" error={shown('clientType')}>
          <select id="app-type" value={draft.clientType} onChange={(e) => set('clientType', e.target.value as ApiAppDraft['clientType'])} aria-invalid={shown('clientType') ? true : undefined}>
            <option value="confidential">Confidential (has a client secret)</option>
            <option value="public">Public (no secret)</option>
          </select>
        </Field>
        <Field id="app-client-id" label="Client ID" error={shown('clientId')}>
          <input id="app-client-id" value={draft.clientId} spellCheck={false} onChange={(e) => set('clientId', e.target.value)} aria-invalid={shown('clientId') ? true : undefined} />
        </Field>
        <Field id="app-secret" label="Client secret" error={shown('clientSecret')} help={app?.hasSecret ? 'Stored encrypted. Leave empty to keep it.' : 'Stored encrypted; never shown again.'}>
          <input
            id="app-secret"
            type="password"
            autoComplete="off"
            value={draft.clientSecret}
            disabled={draft.removeSecret}
            placeholder={app?.hasSecret ? '•••••••• stored' : ''}
            onChange={(e) => set('clientSecret', e.target.value)}
            aria-invalid={shown('clientSecret') ? true : undefined}
          />
          {app?.hasSecret ? (
            <label className="check-line">
              <input type="checkbox" checked={draft.removeSecret} onChange={(e) => set('removeSecret', e.target.checked)} /> Remove the stored secret
            </label>
          ) : null}
        </Field>
        <Field id="app-redirect" label="Redirect URI" error={shown('redirectUri')} help="The callback registered with the X app; the panel intercepts it in the browser.">
          <input id="app-redirect" value={draft.redirectUri} spellCheck={false} onChange={(e) => set('redirectUri', e.target.value)} aria-invalid={shown('redirectUri') ? true : undefined} />
        </Field>
        <Field id="app-scopes" label="Scopes" error={shown('scopes')} help="Separated by spaces. offline.access gives refresh tokens.">
          <input id="app-scopes" value={draft.scopes} spellCheck={false} onChange={(e) => set('scopes', e.target.value)} aria-invalid={shown('scopes') ? true : undefined} />
        </Field>
      </form>
    </Dialog>
  )
}

function Field({ id, label, error, help, children }: { id: string; label: string; error?: string; help?: string; children: ReactNode }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className={`form-control${error ? ' has-error' : ''}`}>
        {children}
        {error ? (
          <p className="setting-error" role="alert">
            {error}
          </p>
        ) : help ? (
          <p className="setting-help">{help}</p>
        ) : null}
      </div>
    </>
  )
}
