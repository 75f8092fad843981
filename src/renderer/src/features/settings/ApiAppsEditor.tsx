import { useState } from 'react'
import type { ApiAppView } from '../../../../shared/contract/settings'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'
import { ApiAppDialog } from './ApiAppDialog'

async function reloadApps(): Promise<void> {
  try {
    appStore.getState().setApiApps(await api.call('apiApps:list'))
  } catch (error) {
    appStore.getState().showToast(`Could not reload the API apps: ${errorMessage(error)}`, 'error')
  }
}

/** The X developer apps accounts are authorized for: listed (never their secret), added, edited, deleted. */
export function ApiAppsEditor() {
  const apps = useAppStore((state) => state.apiApps)
  const [editing, setEditing] = useState<ApiAppView | 'new' | null>(null)
  const [deleting, setDeleting] = useState<ApiAppView | null>(null)
  const list = apps ?? []

  const remove = async (app: ApiAppView) => {
    setDeleting(null)
    try {
      await api.call('apiApps:delete', { name: app.name })
      appStore.getState().showToast(`API app ${app.name} deleted.`, 'success')
    } catch (error) {
      appStore.getState().showToast(`Could not delete ${app.name}: ${errorMessage(error)}`, 'error')
    }
    await reloadApps()
  }

  return (
    <section className="settings-section" aria-label="API apps">
      <div className="section-title-row">
        <h2>API apps</h2>
        <button type="button" className="button" onClick={() => setEditing('new')}>
          Add API app
        </button>
      </div>
      <p className="section-help">The X developer apps (client id, secret, redirect URI, scopes) the accounts are authorized for.</p>
      {apps === null ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="empty-line">No API app yet. Add the app from your X developer portal to authorize accounts for it.</p>
      ) : (
        <ul className="apps-list" aria-label="API apps">
          {list.map((app) => (
            <li key={app.name} className="app-item" aria-label={app.name}>
              <div className="app-head">
                <strong className="app-name">{app.name}</strong>
                <span className="muted">
                  OAuth {app.oauthVersion} · {app.clientType} · {app.hasSecret ? 'secret stored' : 'no secret'}
                </span>
                <span className="app-actions">
                  {app.envManaged ? (
                    <span className="muted" title={`Defined by ${app.name}_CLIENT_ID / _CLIENT_SECRET / _CALLBACK_URL`}>
                      From environment
                    </span>
                  ) : (
                    <>
                      <button type="button" className="link-button" aria-label={`Edit ${app.name}`} onClick={() => setEditing(app)}>
                        Edit
                      </button>
                      <button type="button" className="link-button text-error" aria-label={`Delete ${app.name}`} onClick={() => setDeleting(app)}>
                        Delete
                      </button>
                    </>
                  )}
                </span>
              </div>
              {app.refused ? (
                <p className="setting-error" role="alert">
                  {app.refused}.
                </p>
              ) : null}
              <dl className="app-facts">
                <dt>Client ID</dt>
                <dd className="mono">{app.clientId}</dd>
                <dt>Redirect URI</dt>
                <dd className="mono">{app.redirectUri}</dd>
                <dt>Scopes</dt>
                <dd>{app.scopes.join(' ')}</dd>
              </dl>
              {app.warnings?.length ? (
                <ul className="field-warnings" aria-label={`${app.name} warnings`}>
                  {app.warnings.map((warning) => (
                    <li key={warning}>{warning}</li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {editing ? (
        <ApiAppDialog
          app={editing === 'new' ? null : editing}
          apps={list}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null)
            void reloadApps()
          }}
        />
      ) : null}
      {deleting ? (
        <Dialog
          title={`Delete API app ${deleting.name}?`}
          onClose={() => setDeleting(null)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setDeleting(null)}>
                Keep it
              </button>
              <button type="button" className="button button-danger" onClick={() => void remove(deleting)}>
                Delete
              </button>
            </>
          }
        >
          <p className="dialog-summary">Its settings and secret are removed. Tokens already issued for it stay in the database and in exports.</p>
        </Dialog>
      ) : null}
    </section>
  )
}
