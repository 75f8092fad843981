import { useMemo, useState, type ReactNode } from 'react'
import type { ApiAppView } from '../../../../shared/contract/settings'
import { api, ApiError } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { draftOf, draftScopeWarnings, newDraft, toInput, validateApiApp, type ApiAppDraft, type ApiAppErrors, type ApiAppField } from './api-app-form'

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
  const scopeWarnings = useMemo(() => draftScopeWarnings(draft), [draft])

  const set = <K extends ApiAppField>(field: K, value: ApiAppDraft[K]) => {
    setDraft((previous) => ({ ...previous, [field]: value }))
    setTouched((previous) => new Set(previous).add(field))
    setServerErrors(({ [field]: _gone, ...rest }) => rest)
  }
  const shown = (field: ApiAppField) => (touched.has(field) ? errors[field] : undefined)
  const legacy = draft.oauthVersion === '1.0a'
  const passThrough = draft.redemption === 'callback'

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
          <input id="app-name" aria-describedby="app-name-note" value={draft.name} disabled={Boolean(app)} onChange={(e) => set('name', e.target.value)} aria-invalid={shown('name') ? true : undefined} />
        </Field>
        <Field id="app-oauth" label="OAuth version" error={shown('oauthVersion')}>
          <select id="app-oauth" aria-describedby="app-oauth-note" value={draft.oauthVersion} onChange={(e) => set('oauthVersion', e.target.value as ApiAppDraft['oauthVersion'])}>
            <option value="2.0">OAuth 2.0 (PKCE)</option>
            <option value="1.0a">OAuth 1.0a (consumer key and secret)</option>
          </select>
        </Field>
        <Field
          id="app-redemption"
          label="Who redeems X’s answer"
          error={shown('redemption')}
          help={
            passThrough
              ? 'The profile opens your app’s sign-in page; X’s answer goes on to your app’s callback, which stores the tokens. The panel records what the callback answered and stores no token.'
              : 'The panel intercepts X’s redirect before it reaches your callback, redeems it and stores the tokens encrypted.'
          }
        >
          <select id="app-redemption" aria-describedby="app-redemption-note" value={draft.redemption} onChange={(e) => set('redemption', e.target.value as ApiAppDraft['redemption'])}>
            <option value="panel">Redeem the code in the panel</option>
            <option value="callback">Let the app’s callback redeem it</option>
          </select>
        </Field>
        {legacy ? null : (
          <Field id="app-type" label="Client type" error={shown('clientType')}>
            <select id="app-type" aria-describedby="app-type-note" value={draft.clientType} onChange={(e) => set('clientType', e.target.value as ApiAppDraft['clientType'])} aria-invalid={shown('clientType') ? true : undefined}>
              <option value="confidential">Confidential (has a client secret)</option>
              <option value="public">Public (no secret)</option>
            </select>
          </Field>
        )}
        <Field id="app-client-id" label={legacy ? 'Consumer key (API key)' : 'Client ID'} error={shown('clientId')}>
          <input id="app-client-id" aria-describedby="app-client-id-note" value={draft.clientId} spellCheck={false} onChange={(e) => set('clientId', e.target.value)} aria-invalid={shown('clientId') ? true : undefined} />
        </Field>
        <Field
          id="app-secret"
          label={legacy ? 'Consumer secret (API key secret)' : 'Client secret'}
          error={shown('clientSecret')}
          help={app?.hasSecret ? 'Stored encrypted. Leave empty to keep it.' : passThrough ? 'Optional here: your app’s server redeems with its own secret.' : 'Stored encrypted; never shown again.'}
        >
          <input
            id="app-secret"
            aria-describedby="app-secret-note"
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
        <Field
          id="app-redirect"
          label={legacy ? 'Callback URL' : 'Redirect URI'}
          error={shown('redirectUri')}
          help={passThrough ? 'The callback registered with the X app: X’s answer is let through to it.' : 'The callback registered with the X app; the panel intercepts it in the browser.'}
        >
          <input id="app-redirect" aria-describedby="app-redirect-note" value={draft.redirectUri} spellCheck={false} onChange={(e) => set('redirectUri', e.target.value)} aria-invalid={shown('redirectUri') ? true : undefined} />
        </Field>
        {passThrough ? (
          <>
            <Field id="app-start" label="Sign-in start URL" error={shown('startUrl')} help="The page on your app’s server that begins the X sign-in (it creates the state or request token and redirects to X).">
              <input id="app-start" aria-describedby="app-start-note" value={draft.startUrl} spellCheck={false} onChange={(e) => set('startUrl', e.target.value)} aria-invalid={shown('startUrl') ? true : undefined} />
            </Field>
            <Field
              id="app-marker"
              label="Success marker"
              error={shown('callbackMarker')}
              help="A text your callback’s page shows when it stored the tokens (e.g. Connected), or a URL pattern the browser ends on (https://app.example.com/done*). Empty: any answer below HTTP 400 counts."
            >
              <input id="app-marker" aria-describedby="app-marker-note" value={draft.callbackMarker} spellCheck={false} onChange={(e) => set('callbackMarker', e.target.value)} aria-invalid={shown('callbackMarker') ? true : undefined} />
            </Field>
          </>
        ) : null}
        {legacy ? null : (
          <Field id="app-scopes" label="Scopes" error={shown('scopes')} warnings={scopeWarnings} help="Separated by spaces. offline.access gives refresh tokens.">
            <input
              id="app-scopes"
              value={draft.scopes}
              spellCheck={false}
              onChange={(e) => set('scopes', e.target.value)}
              aria-invalid={shown('scopes') ? true : undefined}
              aria-describedby="app-scopes-note"
            />
          </Field>
        )}
      </form>
    </Dialog>
  )
}

function Field({ id, label, error, warnings, help, children }: { id: string; label: string; error?: string; warnings?: readonly string[]; help?: string; children: ReactNode }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className={`form-control${error ? ' has-error' : ''}`}>
        {children}
        <div id={`${id}-note`}>
          {error ? (
            <p className="setting-error" role="alert">
              {error}
            </p>
          ) : help ? (
            <p className="setting-help">{help}</p>
          ) : null}
          {warnings?.length ? (
            <ul className="field-warnings" role="status" aria-label={`${label} warnings`}>
              {warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          ) : null}
        </div>
      </div>
    </>
  )
}
