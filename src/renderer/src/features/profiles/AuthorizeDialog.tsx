import { useEffect, useMemo, useState } from 'react'
import { flowDescription } from '../../../../shared/api-app'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, formatCount, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'
import { leaveOutInactive } from './selection'

interface AuthorizeDialogProps {
  /** Every selected profile id. */
  selected: readonly string[]
  /** The selected ids the filters show. */
  visibleSelected: readonly string[]
  onClose(): void
}

interface Breakdown {
  withoutUsername: number
  otherApp: number
}

function breakdown(ids: readonly string[], apiApp: string): Breakdown {
  const rows = appStore.getState().profilesById
  let withoutUsername = 0
  let otherApp = 0
  for (const id of ids) {
    const row = rows.get(id)
    if (!row?.username) withoutUsername++
    else if (row.apiApp && row.apiApp !== apiApp) otherApp++
  }
  return { withoutUsername, otherApp }
}


/** The most common API app among the selected profiles, so the usual case needs no choice. */
function likelyApp(ids: readonly string[], names: readonly string[]): string {
  const rows = appStore.getState().profilesById
  const counts = new Map<string, number>()
  for (const id of ids.slice(0, 5_000)) {
    const app = rows.get(id)?.apiApp
    if (app && names.includes(app)) counts.set(app, (counts.get(app) ?? 0) + 1)
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? names[0] ?? ''
}

/** "Authorize selected": choose the API app, see the count and the concurrency, confirm. */
export function AuthorizeDialog({ selected, visibleSelected, onClose }: AuthorizeDialogProps) {
  const apps = useAppStore((state) => state.apiApps)
  const concurrency = useAppStore((state) => state.settingsView?.values.maxConcurrentProfiles ?? null)
  const names = useMemo(() => (apps ?? []).map((app) => app.name), [apps])
  const [apiApp, setApiApp] = useState(() => likelyApp(selected, names))
  const [onlyVisible, setOnlyVisible] = useState(false)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const hidden = selected.length - visibleSelected.length
  const { ids, inactive } = useMemo(() => leaveOutInactive(onlyVisible ? visibleSelected : selected, appStore.getState().profilesById), [onlyVisible, visibleSelected, selected])
  const chosen = apiApp && names.includes(apiApp) ? apiApp : (names[0] ?? '')
  const counts = useMemo(() => breakdown(ids, chosen), [ids, chosen])
  const chosenApp = (apps ?? []).find((app) => app.name === chosen) ?? null
  // Why a batch for this app would be refused (unusable app, sandbox mismatch, no GoLogin token): said before the click.
  const [check, setCheck] = useState<{ apiApp: string; refusal: string | null } | null>(null)
  useEffect(() => {
    if (!chosen) return
    let current = true
    api.call('batch:check', { apiApp: chosen }).then(
      () => current && setCheck({ apiApp: chosen, refusal: null }),
      (error: unknown) => current && setCheck({ apiApp: chosen, refusal: errorMessage(error) }),
    )
    return () => {
      current = false
    }
  }, [chosen])
  const refusal = check?.apiApp === chosen ? check.refusal : null

  const start = async () => {
    setBusy(true)
    setProblem(null)
    try {
      const result = await api.call('batch:start', { profileIds: [...ids], apiApp: chosen })
      const skipped = result.skipped.length ? `; ${formatCount(result.skipped.length)} skipped (${result.skipped[0].reason}${result.skipped.length > 1 ? ', …' : ''})` : ''
      appStore.getState().showToast(`${plural(result.queued, 'account')} queued for ${chosen}${skipped}.`, 'success', 'Authorization started')
      onClose()
    } catch (error) {
      setProblem(errorMessage(error))
      setBusy(false)
    }
  }

  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} disabled={busy}>
        Cancel
      </button>
      <button type="button" className="button button-primary" onClick={start} disabled={busy || !chosen || ids.length === 0 || refusal !== null}>
        {busy ? 'Starting…' : `Authorize ${plural(ids.length, 'account')}`}
      </button>
    </>
  )

  return (
    <Dialog title="Authorize selected accounts" onClose={onClose} footer={footer} busy={busy} problem={problem ?? refusal}>
      {names.length === 0 ? (
        <p className="form-problem" role="alert">
          No API app is configured yet. Add one in <a href="#/settings">Settings → API apps</a> first.
        </p>
      ) : (
        <div className="form-grid">
          <label htmlFor="authorize-app">API app</label>
          <select id="authorize-app" value={chosen} onChange={(event) => setApiApp(event.target.value)} disabled={busy}>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      )}
      <p className="dialog-summary">
        <strong>{plural(ids.length, 'account')}</strong> will be authorized for <strong>{chosen || '—'}</strong>, at most{' '}
        <strong>{concurrency ?? 10}</strong> profiles at a time. Each account opens its GoLogin profile and approves the app on X; you
        can pause or cancel the batch from the progress bar.
      </p>
      {chosenApp ? (
        <p className="dialog-summary" data-testid="authorize-flow">
          Flow: {flowDescription(chosenApp)}
        </p>
      ) : null}
      {hidden > 0 ? (
        <label className="check-line">
          <input type="checkbox" checked={onlyVisible} onChange={(event) => setOnlyVisible(event.target.checked)} disabled={busy} />
          Only the {formatCount(visibleSelected.length)} visible ({plural(hidden, 'selected profile is', 'selected profiles are')} hidden by the
          filters)
        </label>
      ) : null}
      <ul className="dialog-notes">
        {inactive > 0 ? (
          <li data-testid="authorize-inactive">
            {plural(inactive, 'inactive profile', 'inactive profiles')} (no longer in GoLogin) will be left out.
          </li>
        ) : null}
        {counts.withoutUsername > 0 ? <li>{plural(counts.withoutUsername, 'profile has', 'profiles have')} no X username and will be skipped.</li> : null}
        {counts.otherApp > 0 ? <li>{plural(counts.otherApp, 'profile is', 'profiles are')} mapped to another API app.</li> : null}
      </ul>
    </Dialog>
  )
}
