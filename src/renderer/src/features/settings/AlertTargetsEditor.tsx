import { useEffect, useState } from 'react'
import { ALERT_KIND_LABELS, ALERT_KINDS, ALERT_TARGET_TYPE_LABELS, type AlertTargetView } from '../../../../shared/contract/alerts'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { AlertTargetDialog } from './AlertTargetDialog'

interface TargetsState {
  targets: AlertTargetView[] | null
  loadError: string | null
}

async function fetchTargets(): Promise<(previous: TargetsState) => TargetsState> {
  try {
    const targets = await api.call('alerts:listTargets')
    return () => ({ targets, loadError: null })
  } catch (error) {
    return (previous) => ({ targets: previous.targets, loadError: errorMessage(error) })
  }
}

function eventsLine(target: AlertTargetView): string {
  if (target.events.length === ALERT_KINDS.length) return 'All events'
  return target.events.map((kind) => ALERT_KIND_LABELS[kind]).join(' · ')
}

/** Settings → Alerts: webhook targets (Slack, Discord, Telegram, generic JSON) listed without their secrets, tested, edited. */
export function AlertTargetsEditor() {
  const [{ targets, loadError }, setState] = useState<TargetsState>({ targets: null, loadError: null })
  const [editing, setEditing] = useState<AlertTargetView | 'new' | null>(null)
  const [deleting, setDeleting] = useState<AlertTargetView | null>(null)
  const [testing, setTesting] = useState<string | null>(null)

  const reload = async () => setState(await fetchTargets())
  useEffect(() => {
    let live = true
    void fetchTargets().then((update) => live && setState(update))
    return () => {
      live = false
    }
  }, [])

  const test = async (target: AlertTargetView) => {
    setTesting(target.id)
    try {
      const result = await api.call('alerts:testTarget', { id: target.id })
      appStore.getState().showToast(`Test message delivered to ${target.name} (HTTP ${result.status}).`, 'success')
    } catch (error) {
      appStore.getState().showToast(errorMessage(error), 'error')
    } finally {
      setTesting(null)
    }
  }

  const remove = async (target: AlertTargetView) => {
    setDeleting(null)
    try {
      await api.call('alerts:deleteTarget', { id: target.id })
      appStore.getState().showToast(`Alert target ${target.name} deleted.`, 'success')
    } catch (error) {
      appStore.getState().showToast(`Could not delete ${target.name}: ${errorMessage(error)}`, 'error')
    }
    await reload()
  }

  return (
    <section className="settings-section" aria-label="Alert webhooks">
      <div className="section-title-row">
        <h2>Alert webhooks</h2>
        <button type="button" className="button" onClick={() => setEditing('new')}>
          Add target
        </button>
      </div>
      <p className="section-help">
        Batch summaries, a high failure rate, a GoLogin token stop, profiles not stopped, hosts offline and tokens failing refresh, sent where the team looks. One host sends for the
        whole fleet; the same alert is not repeated within the window set under Alerts.
      </p>
      {loadError ? (
        <p className="empty-line text-error">
          The targets could not be loaded: {loadError}{' '}
          <button type="button" className="link-button" onClick={() => void reload()}>
            Try again
          </button>
        </p>
      ) : null}
      {targets === null ? (
        loadError ? null : <p className="muted">Loading…</p>
      ) : targets.length === 0 ? (
        <p className="empty-line">No target yet. Add a Slack, Discord or Telegram channel, or any URL that takes JSON.</p>
      ) : (
        <ul className="apps-list" aria-label="Alert targets">
          {targets.map((target) => (
            <li key={target.id} className={`app-item${target.enabled ? '' : ' is-revoked'}`} aria-label={target.name}>
              <div className="app-head">
                <strong className="app-name">{target.name}</strong>
                <span className="muted">
                  {ALERT_TARGET_TYPE_LABELS[target.type]}
                  {target.enabled ? '' : ' · off'}
                </span>
                <span className="app-actions">
                  <button type="button" className="link-button" aria-label={`Test ${target.name}`} disabled={testing !== null} onClick={() => void test(target)}>
                    {testing === target.id ? 'Sending…' : 'Test'}
                  </button>
                  <button type="button" className="link-button" aria-label={`Edit ${target.name}`} onClick={() => setEditing(target)}>
                    Edit
                  </button>
                  <button type="button" className="link-button text-error" aria-label={`Delete ${target.name}`} onClick={() => setDeleting(target)}>
                    Delete
                  </button>
                </span>
              </div>
              <dl className="app-facts">
                {target.type === 'telegram' ? (
                  <>
                    <dt>Bot token</dt>
                    <dd>{target.hasBotToken ? 'stored encrypted' : 'missing'}</dd>
                    <dt>Chat</dt>
                    <dd className="mono">{target.chatId}</dd>
                  </>
                ) : (
                  <>
                    <dt>URL</dt>
                    <dd className="mono">{target.urlShown} (stored encrypted)</dd>
                  </>
                )}
                <dt>Events</dt>
                <dd>{eventsLine(target)}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
      {editing ? (
        <AlertTargetDialog
          target={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null)
            void reload()
          }}
        />
      ) : null}
      {deleting ? (
        <Dialog
          title={`Delete alert target ${deleting.name}?`}
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
          <p className="dialog-summary">Alerts stop going there; its URL or bot token is removed from the database.</p>
        </Dialog>
      ) : null}
    </section>
  )
}
